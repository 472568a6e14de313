//! What the process-level CLI tests share: a served instance and a runtime for the
//! requests they send it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// An `invoicepilot serve` process, killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`, from the first line it prints.
    pub url: String,
}

impl Server {
    /// Spawns `cmd` (a `serve … --port 0` command) and waits for its address.
    pub fn start(cmd: &mut Command) -> Server {
        let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        // Keep reading, so the server never writes into a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        Server { child, url: line.trim().rsplit(' ').next().unwrap().to_owned() }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A single-threaded runtime for a test's HTTP requests.
pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}
