/* The benchmark's service: listens on 127.0.0.1:PORT, greets every client with its pid
 * (so the benchmark can tell a new instance from a dying one), and exits with code 1 as
 * soon as a client sends "exit". With NOTIFY_FD set (s6's readiness protocol) it writes a
 * newline there once it listens. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    return 2;
  }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in address;
  memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons((unsigned short)atoi(argv[1]));
  if (bind(fd, (struct sockaddr*)&address, sizeof address) != 0 || listen(fd, 64) != 0) {
    return 3;
  }
  const char* notify = getenv("NOTIFY_FD");
  if (notify != NULL) {
    int notify_fd = atoi(notify);
    if (write(notify_fd, "\n", 1) == 1) {
      close(notify_fd);
    }
  }
  for (;;) {
    int client = accept(fd, NULL, NULL);
    if (client < 0) {
      continue;
    }
    char greeting[32];
    int length = snprintf(greeting, sizeof greeting, "%d\n", (int)getpid());
    if (write(client, greeting, (size_t)length) != length) {
      close(client);
      continue;
    }
    char buffer[16];
    ssize_t n = read(client, buffer, sizeof buffer);
    if (n >= 4 && memcmp(buffer, "exit", 4) == 0) {
      _exit(1);
    }
    close(client);
  }
}
