//! Declares Switchboard's own commands, so each one is a permission (`allow-<name>`) and the
//! main window's capability grants exactly them (no file system, shell, HTTP or opener access
//! from the web side). Both come from the one command list, `src/ipc/command_list.rs`.

include!("../src/ipc/command_list.rs");

macro_rules! names {
    ($($name:ident($($args:tt)*) -> $ret:ty;)*) => {
        &[$(stringify!($name)),*]
    };
}

const COMMANDS: &[&str] = ipc_commands!(names);

/// The main window's capability: listening to events and calling Switchboard's commands.
fn capability() -> String {
    let mut permissions = vec![
        "core:event:allow-listen".to_owned(),
        "core:event:allow-unlisten".to_owned(),
    ];
    permissions.extend(
        COMMANDS
            .iter()
            .map(|c| format!("allow-{}", c.replace('_', "-"))),
    );
    let permissions: Vec<String> = permissions.iter().map(|p| format!("    \"{p}\"")).collect();
    format!(
        r#"{{
  "$schema": "../gen/schemas/desktop-schema.json",
  "identifier": "main",
  "description": "The main window: Switchboard's own commands and listening to its events, nothing else (no file system, shell, HTTP or opener access from the web side). Written by build.rs from src/ipc/command_list.rs; do not edit.",
  "windows": ["main"],
  "permissions": [
{}
  ]
}}
"#,
        permissions.join(",\n")
    )
}

fn main() {
    println!("cargo:rerun-if-changed=../src/ipc/command_list.rs");
    let path = std::path::Path::new("capabilities/main.json");
    let capability = capability();
    if std::fs::read_to_string(path).ok().as_deref() != Some(capability.as_str()) {
        std::fs::write(path, capability).expect("write capabilities/main.json");
    }
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script");
}
