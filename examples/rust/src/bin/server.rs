//! A TCP echo server for wasm32-wasi: listens on ADDR:PORT, prints
//! "listening on ADDR:PORT" with the port it really got (for port 0), then
//! serves CONNECTIONS connections (default 1) one after another, sending
//! back every byte each one sends until it closes, and exits.
//!
//! Usage: server ADDR:PORT [CONNECTIONS]
//!
//! Blocking sockets, as Rust programs use them: `accept` and `read` wait.

use std::io::{self, Read, Write};
use std::process::exit;
use wasmedge_wasi_socket::{TcpListener, TcpStream};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let connections = match args.len() {
        2 => Some(1),
        3 => args[2].parse::<u32>().ok().filter(|n| *n > 0),
        _ => None,
    };
    let connections = match connections {
        Some(n) => n,
        None => {
            eprintln!("usage: server ADDR:PORT [CONNECTIONS (1 or more)]");
            exit(2);
        }
    };
    if let Err(e) = run(&args[1], connections) {
        eprintln!("server: {}", e);
        exit(1);
    }
}

fn run(addr: &str, connections: u32) -> io::Result<()> {
    // `false`: a blocking listener, whose accepts wait for a connection.
    let listener = TcpListener::bind(addr, false).map_err(|e| within(e, &format!("listen {}", addr)))?;
    let local = listener.local_addr().map_err(|e| within(e, "local address"))?;
    println!("listening on {}", local);
    for _ in 0..connections {
        let (stream, peer) = listener.accept(false).map_err(|e| within(e, "accept"))?;
        let echoed = echo(&stream).map_err(|e| within(e, &format!("echo to {}", peer)))?;
        println!("echoed {} bytes to {}", echoed, peer);
    }
    Ok(())
}

/// Sends back what `stream` receives until the peer closes; the byte count.
fn echo(mut stream: &TcpStream) -> io::Result<u64> {
    let mut buf = [0u8; 4096];
    let mut total = 0u64;
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(total);
        }
        stream.write_all(&buf[..n])?;
        total += n as u64;
    }
}

/// The error, with what was being done when it happened in front.
fn within(e: io::Error, doing: &str) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {}", doing, e))
}
