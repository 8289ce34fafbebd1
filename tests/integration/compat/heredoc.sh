# Here-documents: expansion, quoted delimiter, <<- with tabs, here-strings, into a loop.
name=machemu
cat_lines() { while IFS= read -r line; do echo "> $line"; done; }
cat_lines <<EOT
hello $name
sum $((2 + 3))
EOT
cat_lines <<'EOT'
literal $name $((1+1))
EOT
cat_lines <<-EOT
	tab stripped
	EOT
n=0
while read -r x; do n=$((n + x)); done <<EOT
1
2
3
EOT
echo "sum $n"
