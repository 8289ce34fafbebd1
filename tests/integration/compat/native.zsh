# zsh's own: 1-based arrays, parameter flags, associative arrays, globbing qualifiers.
a=(one two three)
echo "first $a[1] count $#a joined ${(j:,:)a}"
typeset -A m
m=(k1 v1 k2 v2)
for k in ${(ko)m}; do echo "$k=$m[$k]"; done
echo ${(U)a[2]} ${a[-1]}
print -l -- ${a:#two}
setopt extendedglob
touch f1.txt f2.txt f3.log
print -- *.txt(.N)
print -- ^*.txt(.N)
