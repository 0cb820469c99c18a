/* A simple server in the internet domain using TCP.
   The port number is passed as an argument.

   This is the classic tutorial's server.c, graded as it is taught: its
   three real faults are kept, marked "Fault:", and `make check` proves
   that the grader charges exactly those, in the scenarios named here:

   caught-by: ipv6-server, byte-stream-server, format-server-run

   Everything else the grader would charge for what is not the lesson
   (a signal, a port that is not a number, EOF) is fixed to meet the
   contract of assignment 01-stream, each change marked "Differs:".

   Build and grade the pair (from the repository's top; .bin/ is
   ignored by git):
       mkdir -p .bin/c/01-stream
       cc -o .bin/c/01-stream/server solutions/01-stream/c/server.c
       cc -o .bin/c/01-stream/client solutions/01-stream/c/client.c
       make grade BIN=.bin/c ASSIGNMENT=01-stream                     */
/* Differs: the tutorial relies on the compiler's default dialect. This
   asks glibc and musl for bzero() under cc -std=c99 too; other systems
   offer it anyway. */
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
     int sockfd, newsockfd, portno, n, on = 1;
     socklen_t clilen;
     char buffer[256], *end;
     struct sockaddr_in serv_addr, cli_addr;

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

     /* Fault: AF_INET listens on IPv4 only; the contract wants IPv6 too
        (one AF_INET6 socket with IPV6_V6ONLY off takes both). */
     sockfd = socket(AF_INET, SOCK_STREAM, 0);
     if (sockfd < 0)
        error("ERROR opening socket");
     bzero((char *) &serv_addr, sizeof(serv_addr));
     serv_addr.sin_family = AF_INET;
     serv_addr.sin_addr.s_addr = INADDR_ANY;
     serv_addr.sin_port = htons(portno);
     /* Differs: SO_REUSEADDR, as Go's net.Listen sets it, lets the server
        bind a port whose last connections still linger in TIME_WAIT (run
        it twice in a row by hand). It never lets two servers listen on
        one port: a port in use is still "ERROR on binding". */
     setsockopt(sockfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
     if (bind(sockfd, (struct sockaddr *) &serv_addr, sizeof(serv_addr)) < 0)
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

     /* Fault: one read() returns whatever has arrived, maybe one byte of
        the message: TCP is a byte stream, and the message must be read in
        a loop until its newline or EOF. */
     bzero(buffer,256);
     n = read(newsockfd,buffer,255);
     if (n < 0)
          error("ERROR reading from socket");
     /* Differs: read() returning 0 is EOF, which perror() cannot name
        (errno is not set): the contract's message says it. */
     if (n == 0) {
          fprintf(stderr,"ERROR reading from socket: EOF\n");
          exit(1);
     }
     /* Fault: the buffer keeps the message's newline, so "%s\n" prints a
        blank line after it. */
     printf("Here is the message: %s\n",buffer);

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
