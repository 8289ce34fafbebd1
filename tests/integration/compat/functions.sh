# Functions: arguments, locals, return status, recursion, $FUNCNAME-free scoping.
fact() { local n=$1; if [ "$n" -le 1 ]; then echo 1; else echo $(( n * $(fact $((n - 1))) )); fi; }
greet() { local who=${1:-world}; printf 'hello, %s (%d args)\n' "$who" $#; return 7; }
greet; echo "status $?"
greet machemu extra; echo "status $?"
echo "10! = $(fact 10)"
counter=0
bump() { counter=$((counter + 1)); }
for i in 1 2 3 4 5; do bump; done
echo "counter $counter"
outer() { local x=outer; inner; echo "after inner: $x"; }
inner() { x=changed; }
outer
