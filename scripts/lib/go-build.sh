# Shared by the scripts that build a Go binary into build/ (build-collector.sh, build-jaeger.sh):
# arguments, progress lines, the Go check, the stamp that lets an unchanged build be skipped, and a
# heartbeat for long silent compiles. Source it after setting NAME (the script's name in its output).
#
#   go_build_args "$@"                      --force / --help / anything else is a usage error
#   require_go MAJOR MINOR "why"            sets GO (absolute) and GO_VERSION_LINE; exports GOTOOLCHAIN=local
#   up_to_date BINARY STAMP "$WANT_STAMP"   true when a rebuild would produce the same binary
#   hash_files < paths                      "sha256  path" per file, sorted, for readable stamps
#   start_heartbeat                         a "still building..." line every 30 s until the script exits

START=$SECONDS
FORCE="${FORCE:-0}"
phase() { printf '[%s %4ds] %s\n' "$NAME" "$((SECONDS - START))" "$*"; }
die() { printf '[%s %4ds] ERROR: %s\n' "$NAME" "$((SECONDS - START))" "$*" >&2; exit 1; }

# The usage text is the calling script's header comment, from its second line to the first blank one.
go_build_args() {
  for arg in "$@"; do
    case "$arg" in
      --force) FORCE=1 ;;
      -h|--help) awk 'NR > 1 && /^[^#]/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
      *) echo "$NAME: unknown argument '$arg' (use --force or --help)" >&2; exit 2 ;;
    esac
  done
}

require_go() {
  local major=$1 minor=$2 why=$3 path version
  path="$(command -v "${GO:-go}" 2>/dev/null)" \
    || die "Go not found (looked for '${GO:-go}' on PATH). Install Go >= $major.$minor from https://go.dev/dl/ or set GO=/path/to/go."
  GO="$path"
  # Tools that run `go` themselves (the collector builder) take the first on PATH: the one checked here.
  export PATH="$(dirname "$GO"):$PATH"
  # Use the Go that is installed; never download another toolchain behind our back.
  export GOTOOLCHAIN=local
  GO_VERSION_LINE="$("$GO" version)" || die "'$GO version' failed"
  version="$("$GO" env GOVERSION)"
  [[ "$version" =~ ^go([0-9]+)\.([0-9]+) ]] || die "cannot parse the Go version '$version'; need Go >= $major.$minor"
  if (( BASH_REMATCH[1] < major || (BASH_REMATCH[1] == major && BASH_REMATCH[2] < minor) )); then
    die "found $version, but $why need Go >= $major.$minor. Upgrade Go (https://go.dev/dl/)."
  fi
}

up_to_date() {
  [[ "$FORCE" != 1 && -x "$1" && -f "$2" ]] && [[ "$(cat "$2")" == "$3" ]]
}

hash_files() {
  LC_ALL=C sort | while IFS= read -r f; do sha256sum "$f"; done
}

start_heartbeat() {
  # The heartbeat's sleep is killed with it, or it would hold a piped stdout open for up to 30 s more.
  ( trap 'kill "$nap" 2>/dev/null; exit 0' TERM
    while :; do sleep 30 & nap=$!; wait "$nap"; phase "still building..."; done ) &
  HEARTBEAT=$!
  trap 'kill "$HEARTBEAT" 2>/dev/null || true' EXIT
}
