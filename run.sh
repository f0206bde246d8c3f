root=$1; out=$2; : > $out
n=0
while IFS= read -r l; do n=$((n+1)); printf 'port 16450\n%s\nmasterauth two\ndir /tmp/dt-err\n' "$l" > /tmp/dt-err/c$n.conf
  echo "== $l" >> $out
  timeout -s TERM 20 dotnet $root/src/ReplCache.Server/bin/Release/net10.0/ReplCache.Server.dll /tmp/dt-err/c$n.conf </dev/null >/tmp/dt-err/o.txt 2>&1; echo "rc=$?" >> $out
  grep -v "^[0-9]*:[MS] " /tmp/dt-err/o.txt >> $out
done < /tmp/dt-err/lines.txt
# command-line forms
for args in "--port 16450 --replicaof 127.0.0.1" "--port 16450 --save 60" "--port 16450 --bind" "--port 16450 --repl-timeout soon" "--port 16450 1 2" "--port 16450 --slaveof \"127.0.0.1 x\"" "--port 16450 --bind \"1.2.3.4 5.6.7.8\"" "--port 16450 --loglevel" ; do
  echo "== $args" >> $out
  eval timeout -s TERM 20 dotnet $root/src/ReplCache.Server/bin/Release/net10.0/ReplCache.Server.dll $args </dev/null >/tmp/dt-err/o.txt 2>&1; echo "rc=$?" >> $out
  grep -v "^[0-9]*:[MS] " /tmp/dt-err/o.txt >> $out
done
