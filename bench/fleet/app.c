/* The fleet benchmark's app: a tiny HTTP server on ADDRESS:PORT answering every request with
 * 200 and the revision it runs (the REVISION file of its working directory). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: app ADDRESS PORT\n");
    return 2;
  }
  char revision[128] = "unknown";
  FILE* file = fopen("REVISION", "r");
  if (file != NULL) {
    if (fgets(revision, sizeof revision, file) != NULL) {
      revision[strcspn(revision, "\n")] = '\0';
    }
    fclose(file);
  }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  struct sockaddr_in address;
  memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  inet_pton(AF_INET, argv[1], &address.sin_addr);
  address.sin_port = htons((unsigned short)atoi(argv[2]));
  if (bind(fd, (struct sockaddr*)&address, sizeof address) != 0 || listen(fd, 64) != 0) {
    perror("bind");
    return 3;
  }
  char body[256];
  snprintf(body, sizeof body, "{\"status\":\"ok\",\"revision\":\"%s\",\"pid\":%d}", revision,
           (int)getpid());
  char reply[512];
  snprintf(reply, sizeof reply,
           "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
           "Connection: close\r\n\r\n%s",
           strlen(body), body);
  for (;;) {
    int client = accept(fd, NULL, NULL);
    if (client < 0) {
      continue;
    }
    char request[2048];
    (void)!read(client, request, sizeof request);
    (void)!write(client, reply, strlen(reply));
    close(client);
  }
}
