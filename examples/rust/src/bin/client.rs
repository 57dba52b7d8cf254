//! A TCP client for wasm32-wasi: connects to HOST:PORT, sends one line,
//! prints the line the server answers, and exits.
//!
//! Usage: client HOST:PORT [MESSAGE]
//!
//! It uses WasmEdge's socket library as any Rust program uses sockets:
//! blocking, so `connect` returns once connected (or refused) and `read`
//! waits for the answer. Under dialtone the host does the waiting.

use std::io::{self, BufRead, BufReader, Write};
use std::process::exit;
use wasmedge_wasi_socket::TcpStream;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 2 || args.len() > 3 {
        eprintln!("usage: client HOST:PORT [MESSAGE]");
        exit(2);
    }
    let message = args.get(2).map(String::as_str).unwrap_or("hello from rust");
    if let Err(e) = run(&args[1], message) {
        eprintln!("client: {}", e);
        exit(1);
    }
}

fn run(addr: &str, message: &str) -> io::Result<()> {
    let mut stream = TcpStream::connect(addr).map_err(|e| within(e, &format!("connect {}", addr)))?;
    let local = stream.local_addr().map_err(|e| within(e, "local address"))?;
    eprintln!("connected to {} from {}", addr, local);
    stream.write_all(format!("{}\n", message).as_bytes()).map_err(|e| within(e, "send"))?;
    let mut reply = String::new();
    BufReader::new(&stream).read_line(&mut reply).map_err(|e| within(e, "receive"))?;
    if !reply.ends_with('\n') {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, format!("receive: the connection closed after {:?}", reply)));
    }
    print!("{}", reply);
    Ok(())
}

/// The error, with what was being done when it happened in front.
fn within(e: io::Error, doing: &str) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {}", doing, e))
}
