# Sourced by scripts/s3-server and scripts/pg-server: loopback ports for the test servers.

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A free port below the kernel's ephemeral range (net.ipv4.ip_local_port_range): a server that a
# test stops and starts again on its port (an outage) finds the port free. A port inside that
# range may meanwhile have become the local end of any outgoing connection on the machine, and
# the restart then fails to bind it (a flaky CI run). Prints it; fails when none is found.
free_port() {
  local port low=32768 first=10000
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  ((low - first >= 2000)) || { first=20000 low=50000; }
  for _ in $(seq 1 100); do
    port=$((first + RANDOM % (low - first)))
    port_in_use "$port" || { echo "$port"; return 0; }
  done
  echo "no free loopback port found" >&2
  return 1
}
