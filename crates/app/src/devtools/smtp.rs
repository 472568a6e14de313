//! A local SMTP sink that keeps every message and can be told to fail
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

impl Received {
    /// Every `text/*` part, decoded (base64 or quoted-printable), joined: what a reader sees.
    pub fn text(&self) -> String {
        let mut out = String::new();
        decode_parts(&self.data, &mut out);
        out
    }
}

fn header_of<'a>(headers: &'a str, name: &str) -> Option<&'a str> {
    headers.split("\r\n").find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn decode_parts(entity: &str, out: &mut String) {
    let Some((headers, body)) = entity.split_once("\r\n\r\n") else { return };
    let unfolded = headers.replace("\r\n ", " ").replace("\r\n\t", " ");
    let ctype = header_of(&unfolded, "Content-Type").unwrap_or("text/plain").to_owned();
    if let Some(boundary) = ctype.split(';').find_map(|p| p.trim().strip_prefix("boundary=")) {
        let boundary = format!("--{}", boundary.trim_matches('"'));
        for part in body.split(&boundary).skip(1) {
            if part.starts_with("--") {
                break;
            }
            decode_parts(part.trim_start_matches("\r\n"), out);
        }
        return;
    }
    if !ctype.to_ascii_lowercase().starts_with("text/") {
        return;
    }
    let encoding = header_of(&unfolded, "Content-Transfer-Encoding").unwrap_or("7bit").to_ascii_lowercase();
    let decoded = match encoding.as_str() {
        "base64" => {
            use base64::Engine;
            let clean: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(clean)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default()
        }
        "quoted-printable" => quoted_printable(body),
        _ => body.to_owned(),
    };
    out.push_str(&decoded);
    out.push('\n');
}

fn quoted_printable(s: &str) -> String {
    let joined = s.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(v) if bytes[i] == b'=' => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Default)]
struct State {
    script: VecDeque<Reply>,
    received: Vec<Received>,
    attempts: usize,
    headers_only: bool,
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

    /// Keeps only the headers of later messages (a benchmark's thousands of PDFs would
    /// otherwise hold gigabytes).
    pub fn keep_headers_only(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).headers_only = true;
    }

    /// How many messages were accepted (or dropped after data) so far.
    pub fn count(&self) -> usize {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).received.len()
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
                        let kept = match (st.headers_only, data.find("\r\n\r\n")) {
                            (true, Some(end)) => data[..end + 2].to_owned(),
                            _ => data.clone(),
                        };
                        st.received.push(Received { from: from.clone(), to: to.clone(), data: kept });
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
