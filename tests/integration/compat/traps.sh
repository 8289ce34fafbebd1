# Traps: EXIT, a signal sent to itself, ignoring one, a trap in a subshell.
trap 'echo "exit trap"' EXIT
trap 'echo "got USR1"' USR1
kill -USR1 $$
echo "after USR1"
trap '' USR2
kill -USR2 $$
echo "USR2 ignored"
( trap 'echo "subshell exit"' EXIT; echo "in subshell" )
trap - USR1
echo done
