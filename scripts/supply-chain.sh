#!/usr/bin/env bash
# Supply chain: cargo-deny (licences, bans, sources, advisories) offline against the RustSec
# snapshot in supply-chain/advisory-db — the `cargo audit --no-fetch` of this project.
#
#   scripts/supply-chain.sh check             every check, offline; exit 1 on any finding
#   scripts/supply-chain.sh refresh [CLONE]   renew the snapshot from rustsec/advisory-db
#
# `check` also fails when Cargo.lock names a crate the snapshot never looked up, so a new
# dependency cannot slip past the advisory check unexamined.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
snapshot="$root/supply-chain/advisory-db"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

lock_crates() {
  sed -n 's/^name = "\(.*\)"$/\1/p' "$root/Cargo.lock" | sort -u | grep -v '^invoicepilot'
}

check() {
  local unchecked
  unchecked="$(comm -23 <(lock_crates) <(sort -u "$snapshot/checked-crates.txt"))"
  if [ -n "$unchecked" ]; then
    echo "FATAL: Cargo.lock has crates the advisory snapshot never looked up:" >&2
    echo "$unchecked" | sed 's/^/  /' >&2
    echo "run: scripts/supply-chain.sh refresh" >&2
    exit 1
  fi
  command -v cargo-deny >/dev/null 2>&1 || cargo install cargo-deny --locked --version 0.20.2
  # cargo-deny reads its databases as git checkouts under db-path, named after the URL.
  local db="$CARGO_TARGET_DIR/advisory-dbs/advisory-db-3157b0e258782691"
  local taken
  taken="$(sed -n 's/^taken: //p' "$snapshot/SNAPSHOT")"
  rm -rf "$db"
  mkdir -p "$db"
  cp -r "$snapshot/crates" "$db/"
  (
    cd "$db"
    git init -q
    git add -A
    GIT_AUTHOR_DATE="${taken}T00:00:00Z" GIT_COMMITTER_DATE="${taken}T00:00:00Z" \
      git -c user.name=snapshot -c user.email=snapshot@invalid commit -qm "advisory-db snapshot $taken"
  )
  cargo fetch --locked --quiet
  (cd "$root" && cargo deny --offline check)
}

refresh() {
  local src="${1:-}"
  local tmp=""
  if [ -z "$src" ]; then
    tmp="$(mktemp -d)"
    git clone --quiet --depth 1 https://github.com/rustsec/advisory-db "$tmp/advisory-db"
    src="$tmp/advisory-db"
  fi
  rm -rf "$snapshot/crates"
  mkdir -p "$snapshot/crates"
  lock_crates > "$snapshot/checked-crates.txt"
  while read -r name; do
    [ -d "$src/crates/$name" ] || continue
    mkdir -p "$snapshot/crates/$name"
    find "$src/crates/$name" -maxdepth 1 -name 'RUSTSEC-*.md' ! -name 'RUSTSEC-0000-*' \
      -exec cp {} "$snapshot/crates/$name/" \;
  done < "$snapshot/checked-crates.txt"
  find "$snapshot/crates" -type d -empty -delete
  {
    echo "taken: $(date -u +%Y-%m-%d)"
    echo "source: https://github.com/rustsec/advisory-db at $(git -C "$src" rev-parse HEAD)"
    echo "crates looked up: see checked-crates.txt"
  } > "$snapshot/SNAPSHOT"
  [ -n "$tmp" ] && rm -rf "$tmp"
  echo "snapshot: $(find "$snapshot/crates" -name '*.md' | wc -l) advisories for $(wc -l < "$snapshot/checked-crates.txt") crates"
}

case "${1:-check}" in
  check) check ;;
  refresh) shift; refresh "${1:-}" ;;
  *) echo "usage: $0 check | refresh [CLONE]" >&2; exit 2 ;;
esac
