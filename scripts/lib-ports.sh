# Sourced by scripts: free_port prints a TCP port on 127.0.0.1 that nothing listens on.
# Ports come from below the kernel's ephemeral range (32768+ by default): polling a port in
# that range can connect a client socket to itself and so occupy the port.
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "no free port found" >&2
  return 1
}
