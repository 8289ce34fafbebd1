# Job control as scripts use it: background jobs, $!, wait and its status, PIPESTATUS-like
# statuses, kill of a job.
(exit 3) & p1=$!
(exit 5) & p2=$!
wait $p1; s1=$?
wait $p2; s2=$?
echo "statuses $s1 $s2"
[ "$p1" != "$p2" ] && echo "two pids"
sleep 5 & k=$!
kill $k
wait $k; echo "killed $?"
for i in 1 2 3; do (exit $i) & done
wait; echo "all waited $?"
true | false | true
echo "pipeline $?"
