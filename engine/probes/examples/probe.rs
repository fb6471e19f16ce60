//! Runs one probe from the command line, as `deskbook probe` does:
//!
//! ```text
//! cargo run -p deskbook-probes --example probe -- tcp host=192.0.2.10 port=445
//! cargo run -p deskbook-probes --example probe -- ike host=192.0.2.10 version=both --json
//! cargo run -p deskbook-probes --example probe -- command argv='["uname","-a"]'
//! ```
//!
//! Tasks resolve against an empty tool matrix here; the real binary passes the content's.

use deskbook_probes::{cli_run, NoTasks, Status};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(name) = args.next() else {
        eprintln!("usage: probe NAME [KEY=VALUE]... [--json]");
        std::process::exit(2);
    };
    let mut json = false;
    let mut pairs = Vec::new();
    for a in args {
        if a == "--json" {
            json = true;
        } else if let Some((k, v)) = a.split_once('=') {
            pairs.push((k.to_owned(), v.to_owned()));
        } else {
            eprintln!("expected KEY=VALUE, got {a:?}");
            std::process::exit(2);
        }
    }
    let result = cli_run(&name, &pairs, &NoTasks);
    if json {
        match serde_json::to_string_pretty(&result) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("cannot print the result: {e}"),
        }
    } else {
        print!("{result}");
    }
    std::process::exit(match result.status {
        Status::Ok => 0,
        Status::Fail => 1,
        Status::Error => 2,
    });
}
