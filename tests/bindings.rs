//! The UI's TypeScript bindings are generated from the Rust types; this fails when the committed
//! file differs from what the types produce. Run with `UPDATE_BINDINGS=1` to rewrite it.

use std::path::Path;

#[test]
fn committed_typescript_bindings_match_the_rust_types() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/bindings.ts");
    let generated = switchboard::ipc::typescript();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &generated).expect("write bindings");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "ui/src/lib/bindings.ts is out of date with the Rust types; regenerate it with \
         `UPDATE_BINDINGS=1 cargo test --test bindings` and commit the result"
    );
}
