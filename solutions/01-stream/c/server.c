/* A simple server in the internet domain using TCP.
   The port number is passed as an argument.

   This is the classic tutorial's server.c, fixed to meet the contract of
   assignment 01-stream (assignments/01-stream/README.md) exactly. Each
   change from the tutorial is marked "Differs:" and says why.

   Build and grade the pair (from the repository's top; .bin/ is
   ignored by git):
       mkdir -p .bin/c/01-stream
       cc -o .bin/c/01-stream/server solutions/01-stream/c/server.c
       cc -o .bin/c/01-stream/client solutions/01-stream/c/client.c
       make grade BIN=.bin/c ASSIGNMENT=01-stream                     */
/* Differs: the tutorial relies on the compiler's default dialect. This
   asks glibc and musl for the POSIX and BSD functions (getaddrinfo,
   bzero) under cc -std=c99 too; other systems offer them anyway. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

void error(const char *msg)
{
    perror(msg); /* msg, ": ", then the reason: strerror(errno) */
    exit(1);
}

int main(int argc, char *argv[])
{
     int sockfd, newsockfd, portno, n, len, on = 1, off = 0;
     socklen_t clilen, addrlen;
     char buffer[256], *end, *newline;
     struct sockaddr_in6 serv_addr6;
     struct sockaddr_in serv_addr;
     struct sockaddr_storage cli_addr;
     struct sockaddr *addr;

     if (argc < 2) {
         fprintf(stderr,"ERROR, no port provided\n");
         exit(1);
     }
     /* Differs: the tutorial's atoi() takes "abc" for port 0, and the
        kernel then picks any free port. A port that is not a number
        between 0 and 65535 is refused, as bind() would refuse it. */
     errno = 0;
     portno = (int) strtol(argv[1], &end, 10);
     if (errno != 0 || end == argv[1] || *end != '\0' || portno < 0 || portno > 65535) {
         fprintf(stderr,"ERROR on binding: invalid port %s\n", argv[1]);
         exit(1);
     }
     /* Differs: a write to a client that has gone away must be an error
        that we report (EPIPE), not the signal SIGPIPE, which would kill
        the server silently. */
     signal(SIGPIPE, SIG_IGN);

     /* Differs: the tutorial listens on IPv4 only (AF_INET). The contract
        wants IPv4 and IPv6: one IPv6 socket with IPV6_V6ONLY off takes
        both (IPv4 clients appear as ::ffff:a.b.c.d). Where the system has
        no IPv6 (socket() fails, or IPV6_V6ONLY cannot be turned off), we
        fall back to the tutorial's IPv4 socket. */
     sockfd = socket(AF_INET6, SOCK_STREAM, 0);
     if (sockfd >= 0 &&
         setsockopt(sockfd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0) {
         close(sockfd);
         sockfd = -1;
     }
     if (sockfd >= 0) {
         bzero((char *) &serv_addr6, sizeof(serv_addr6));
         serv_addr6.sin6_family = AF_INET6;
         serv_addr6.sin6_addr = in6addr_any;
         serv_addr6.sin6_port = htons(portno);
         addr = (struct sockaddr *) &serv_addr6;
         addrlen = sizeof(serv_addr6);
     } else {
         sockfd = socket(AF_INET, SOCK_STREAM, 0);
         if (sockfd < 0)
            error("ERROR opening socket");
         bzero((char *) &serv_addr, sizeof(serv_addr));
         serv_addr.sin_family = AF_INET;
         serv_addr.sin_addr.s_addr = INADDR_ANY;
         serv_addr.sin_port = htons(portno);
         addr = (struct sockaddr *) &serv_addr;
         addrlen = sizeof(serv_addr);
     }
     /* Differs: SO_REUSEADDR, as Go's net.Listen sets it, lets the server
        bind a port whose last connections still linger in TIME_WAIT (run
        it twice in a row by hand). It never lets two servers listen on
        one port: a port in use is still "ERROR on binding". */
     setsockopt(sockfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
     if (bind(sockfd, addr, addrlen) < 0)
              error("ERROR on binding");
     /* Differs: listen() can fail too; the tutorial ignores it. */
     if (listen(sockfd,5) < 0)
              error("ERROR on listen");
     clilen = sizeof(cli_addr);
     newsockfd = accept(sockfd,
                 (struct sockaddr *) &cli_addr,
                 &clilen);
     if (newsockfd < 0)
          error("ERROR on accept");

     /* Differs: the tutorial reads once, and one read() returns whatever
        has arrived: maybe one byte of the message. TCP is a byte stream,
        so we read in a loop until the newline, EOF, or 255 bytes. The
        message is what comes before the newline. */
     bzero(buffer,256);
     n = 0;
     len = -1;
     while (n < 255) {
          int m = read(newsockfd, buffer + n, 255 - n);
          if (m < 0) {
               if (errno == EINTR)
                    continue;
               error("ERROR reading from socket");
          }
          if (m == 0)
               break; /* EOF: the client closed, or shut down its side */
          newline = memchr(buffer + n, '\n', m);
          n += m;
          if (newline != NULL) {
               len = newline - buffer;
               break;
          }
     }
     /* Differs: read() returning 0 at once is EOF, which perror() cannot
        name (errno is not set): the contract's message says it. */
     if (n == 0) {
          fprintf(stderr,"ERROR reading from socket: EOF\n");
          exit(1);
     }
     if (len < 0)
          len = n; /* no newline: the message ended at EOF or at 255 bytes */
     printf("Here is the message: %.*s\n", len, buffer);

     /* Differs: write() may write less than asked: write the rest. */
     {
          const char *reply = "I got your message";
          int left = 18;
          while (left > 0) {
               n = write(newsockfd, reply, left);
               if (n < 0) {
                    if (errno == EINTR)
                         continue;
                    error("ERROR writing to socket");
               }
               reply += n;
               left -= n;
          }
     }
     close(newsockfd);
     close(sockfd);
     return 0;
}
