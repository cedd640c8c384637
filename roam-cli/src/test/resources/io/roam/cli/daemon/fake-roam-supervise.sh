#!/usr/bin/env bash
# Test stand-in for roam-supervise (the C subreaper in roam-native), with its command line and contract:
#   roam-supervise --pidfile FILE --exits FILE --log FILE -- CMD ARGS...
# forks, prints the supervisor's pid and exits 0; the supervisor appends "PID STATUS" to the exits file when the
# daemon exits, forwards SIGTERM to it, starts it again on SIGHUP if it is not running, and exits when it is gone.
# Unlike the real one it does not reap orphans; instead, while a file named "linger" sits next to this script, it
# stays after the daemon exits, as the real one does while jobs remain.
set -u
pidfile='' exits='' log=''
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  case $1 in
    --pidfile) pidfile=$2; shift 2 ;;
    --exits) exits=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    *) echo "roam-supervise: unknown option $1" >&2; exit 2 ;;
  esac
done
shift
if [ -z "$pidfile" ] || [ -z "$exits" ] || [ -z "$log" ] || [ $# -eq 0 ]; then
  echo "usage: roam-supervise --pidfile FILE --exits FILE --log FILE -- CMD ARGS..." >&2; exit 2
fi
cmd=("$@")
linger=$(dirname "$0")/linger

supervise() {
  daemon='' recorded=''
  start() { "${cmd[@]}" </dev/null >>"$log" 2>&1 & daemon=$!; }
  trap '[ -n "$daemon" ] && kill -TERM "$daemon" 2>/dev/null' TERM
  trap 'kill -0 "$daemon" 2>/dev/null || start' HUP
  start
  while :; do
    wait "$daemon"; status=$?
    if kill -0 "$daemon" 2>/dev/null; then continue; fi   # a trap interrupted the wait
    if [ "$recorded" != "$daemon" ]; then echo "$daemon $status" >>"$exits"; recorded=$daemon; fi
    if [ -e "$linger" ]; then sleep 0.05; continue; fi
    exit 0
  done
}

supervise </dev/null >/dev/null 2>&1 &
echo $! >"$pidfile"
echo $!
