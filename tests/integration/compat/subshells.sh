# Subshells and command substitution: isolation, nesting, exit statuses, pipelines.
x=1
( x=2; echo "inside $x" )
echo "outside $x"
y=$(echo "$(echo nested) $(( $(echo 6) * 7 ))")
echo "$y"
z=`echo back quotes`
echo "$z"
( exit 9 ); echo "sub status $?"
v=$( (exit 4); echo $? )
echo "captured $v"
count=0
printf 'a\nb\nc\n' | while read -r l; do count=$((count + 1)); echo "line $l"; done
echo "count stays $count"
{ echo grouped; echo twice; } | while read -r g; do echo "<$g>"; done
