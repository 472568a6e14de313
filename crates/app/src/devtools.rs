//! Development tools: a local SMTP sink that keeps every message and can be told to fail
//! (4xx or 5xx replies, a connection dropped after DATA), used by the test suites, the mail
//! benchmark and `invoicepilot dev smtp-sink`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// What the sink answers at the end of the next DATA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `250 OK` (the message is kept).
    Accept,
    /// Any SMTP reply line, e.g. `451 4.3.0 try again later` (the message is not kept).
    Reject(String),
    /// Close the connection without a reply after the data arrived (kept: it may well have
    /// been delivered, which is what makes this case ambiguous).
    Drop,
}

/// One message the sink accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// `MAIL FROM`.
    pub from: String,
    /// `RCPT TO`s.
    pub to: Vec<String>,
    /// The raw message (headers and body).
    pub data: String,
}

impl Received {
    /// A header's value (first occurrence, unfolded).
    pub fn header(&self, name: &str) -> Option<String> {
        let mut lines = self.data.split("\r\n").peekable();
        while let Some(line) = lines.next() {
            if line.is_empty() {
                return None;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case(name)
            {
                let mut value = v.trim().to_owned();
                while let Some(next) = lines.peek().filter(|l| l.starts_with(' ') || l.starts_with('\t')) {
                    value.push(' ');
                    value.push_str(next.trim());
                    lines.next();
                }
                return Some(value);
            }
        }
        None
    }
}

#[derive(Default)]
struct State {
    script: VecDeque<Reply>,
    received: Vec<Received>,
    attempts: usize,
}

/// A running sink on 127.0.0.1.
#[derive(Clone)]
pub struct SmtpSink {
    /// Its port.
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl SmtpSink {
    /// Starts a sink on a free port.
    pub async fn start() -> std::io::Result<SmtpSink> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        Ok(SmtpSink::serve(listener))
    }

    /// Starts a sink on `listener` (bind it later to simulate a server that was down).
    pub fn serve(listener: TcpListener) -> SmtpSink {
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let sink = SmtpSink { port, state: Arc::default() };
        let s = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.session(stream).await;
                });
            }
        });
        sink
    }

    /// Answers the next DATAs with `replies`, in order; afterwards it accepts.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).script.extend(replies);
    }

    /// Every accepted (or dropped-after-data) message so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).received.clone()
    }

    /// How many DATA transfers ended (accepted, rejected or dropped).
    pub fn attempts(&self) -> usize {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).attempts
    }

    async fn session(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 invoicepilot-sink ESMTP\r\n").await?;
        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end().to_owned();
            let upper = cmd.to_ascii_uppercase();
            if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                write.write_all(b"250-invoicepilot-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n").await?;
            } else if upper.starts_with("MAIL FROM:") {
                from = cmd[10..].trim().trim_matches(['<', '>']).split(' ').next().unwrap_or_default().to_owned();
                to.clear();
                write.write_all(b"250 OK\r\n").await?;
            } else if upper.starts_with("RCPT TO:") {
                to.push(cmd[8..].trim().trim_matches(['<', '>']).to_owned());
                write.write_all(b"250 OK\r\n").await?;
            } else if upper == "DATA" {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    let l = line.strip_prefix('.').unwrap_or(&line);
                    data.push_str(l);
                }
                let reply = {
                    let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
                    st.attempts += 1;
                    let r = st.script.pop_front().unwrap_or(Reply::Accept);
                    if matches!(r, Reply::Accept | Reply::Drop) {
                        st.received.push(Received { from: from.clone(), to: to.clone(), data: data.clone() });
                    }
                    r
                };
                match reply {
                    Reply::Accept => write.write_all(b"250 2.0.0 queued\r\n").await?,
                    Reply::Reject(r) => write.write_all(format!("{r}\r\n").as_bytes()).await?,
                    Reply::Drop => return Ok(()),
                }
            } else if upper == "QUIT" {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else if upper == "RSET" || upper == "NOOP" {
                write.write_all(b"250 OK\r\n").await?;
            } else {
                write.write_all(b"502 command not implemented\r\n").await?;
            }
        }
    }
}
