# Indexed arrays: literal, append, length, slices, iteration, sparse indices.
a=(zero one two three)
a+=(four)
echo "len ${#a[@]} first ${a[0]} last ${a[4]}"
echo "all: ${a[*]}"
echo "slice: ${a[@]:1:2}"
for w in "${a[@]}"; do printf '[%s]' "$w"; done; echo
b=()
for i in 3 1 2; do b[i]=$((i * i)); done
echo "b: ${b[*]} (${#b[@]})"
words="alpha beta gamma"
set -- $words
echo "positional: $# $2"
