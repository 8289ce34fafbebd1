# Process substitution (/dev/fd/N) and redirections to numbered descriptors.
n=0
while read -r x; do n=$((n + x)); done < <(for i in 1 2 3 4; do echo $i; done)
echo "sum $n"
read -r first < <(echo from-a-process)
echo "$first"
exec 3>out.txt
echo "to fd 3" >&3
exec 3>&-
while read -r l; do echo "file: $l"; done < out.txt
exec 4<out.txt
read -r again <&4
echo "again: $again"
