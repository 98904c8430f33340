#!/usr/bin/env bash
# Mutation testing with cargo-mutants (installed from crates.io when missing):
# each mutant breaks one behaviour of the code; a test must fail for it.
#
#   scripts/mutants.sh FILE...                 mutants of these files
#   scripts/mutants.sh --in-diff BASE          mutants of the lines changed since BASE
#   scripts/mutants.sh ... -- TEST-ARGS        arguments for cargo nextest (default:
#                                              --all-features)
#   scripts/mutants.sh --iterate ...           only the mutants not caught by the last
#                                              run (whose results are in target/mutants)
#   MUTANTS_WORKSPACE=false                    only the mutated package's tests (with
#                                              `-- --all-features --lib`: its unit tests,
#                                              a few seconds a mutant); by default every
#                                              test of the workspace, minutes a mutant
#   MUTANTS_TESTS=cargo                        run the tests with `cargo test`, which
#                                              builds only the test binaries named
#                                              (`-- -p tests --all-features --test cost`):
#                                              the survivors of a unit-test run, against
#                                              the integration tests that cover them
#
# The results go to target/mutants (mutants.out/caught.txt, missed.txt,
# unviable.txt, timeout.txt); TESTING.md records them per module. A full run
# takes hours on two cores and is not part of .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo mutants --version >/dev/null 2>&1; then
  echo "installing cargo-mutants" >&2
  cargo install cargo-mutants --locked >&2
fi

files=()
diff_base=""
iterate=""
test_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --in-diff) diff_base="$2"; shift 2 ;;
    --iterate) iterate=1; shift ;;
    --) shift; test_args=("$@"); break ;;
    *) files+=("$1"); shift ;;
  esac
done

args=(--no-shuffle --test-tool "${MUTANTS_TESTS:-nextest}" --timeout 300 --output target/mutants
      --test-workspace "${MUTANTS_WORKSPACE:-true}")
if [ -n "$iterate" ]; then args+=(--iterate); fi
for f in "${files[@]}"; do args+=(-f "$f"); done
if [ -n "$diff_base" ]; then
  git diff "$diff_base" -- last9-genai/src last9-genai-macros/src >target/mutants.diff
  args+=(--in-diff target/mutants.diff)
fi
if [ ${#test_args[@]} -eq 0 ]; then
  test_args=(--all-features)
fi
mkdir -p target
CARGO_TARGET_DIR="${MUTANTS_TARGET_DIR:-target/mutants-build}" \
  cargo mutants "${args[@]}" -- "${test_args[@]}"
