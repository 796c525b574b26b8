//! A loopback reverse proxy in this process, for the scenarios that need forwarding headers or
//! another Host header: it listens on 127.0.0.1 only, connects to 127.0.0.1:<gateway> only,
//! rewrites the head of the first request on each connection (the CLI opens one connection per
//! WebSocket) - adds `X-Forwarded-For`/`X-Real-IP`, replaces `Host` - and then copies bytes both
//! ways untouched.

use anyhow::Context;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

pub struct Proxy {
    pub port: u16,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

#[derive(Clone)]
struct Rewrite {
    xff: Option<String>,
    host: Option<String>,
}

impl Proxy {
    pub fn start(target: u16, xff: Option<&str>, host: Option<&str>) -> anyhow::Result<Proxy> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("proxy bind")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let rw = Rewrite {
            xff: xff.map(str::to_string),
            host: host.map(str::to_string),
        };
        let flag = stop.clone();
        let accept = std::thread::Builder::new()
            .name(format!("proxy-{port}"))
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((client, _)) => {
                            let rw = rw.clone();
                            let _ = std::thread::Builder::new()
                                .name(format!("proxy-{port}-conn"))
                                .spawn(move || {
                                    let _ = serve(client, target, &rw);
                                });
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_millis(25));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(25)),
                    }
                }
            })?;
        Ok(Proxy {
            port,
            stop,
            accept: Some(accept),
        })
    }

    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve(mut client: TcpStream, target: u16, rw: &Rewrite) -> std::io::Result<()> {
    client.set_nonblocking(false)?;
    // Idle connections end on their own; nothing here outlives a scenario for long.
    let idle = Some(Duration::from_secs(120));
    client.set_read_timeout(idle)?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = client.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 64 * 1024 {
            return Ok(());
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut out = String::new();
    out.push_str(lines.next().unwrap_or_default());
    out.push_str("\r\n");
    for line in lines {
        let name = line
            .split(':')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if let (true, Some(h)) = (name == "host", &rw.host) {
            out.push_str(&format!("Host: {h}\r\n"));
            continue;
        }
        if rw.xff.is_some() && (name == "x-forwarded-for" || name == "x-real-ip") {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    if let Some(x) = &rw.xff {
        out.push_str(&format!("X-Forwarded-For: {x}\r\nX-Real-IP: {x}\r\n"));
    }
    out.push_str("\r\n");
    let mut upstream = TcpStream::connect((Ipv4Addr::LOCALHOST, target))?;
    upstream.set_read_timeout(idle)?;
    upstream.write_all(out.as_bytes())?;
    upstream.write_all(&buf[head_end + 4..])?;
    let (mut c2, mut u2) = (client.try_clone()?, upstream.try_clone()?);
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut c2, &mut u2);
        let _ = u2.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut upstream, &mut client);
    let _ = client.shutdown(Shutdown::Both);
    let _ = upstream.shutdown(Shutdown::Both);
    let _ = up.join();
    Ok(())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
