/* A simple client in the internet domain using TCP.
   Usage: client hostname port

   This is the classic tutorial's client.c, graded as it is taught: its
   real faults are kept, marked "Fault:", and `make check` proves that the
   grader charges exactly those, in the scenarios named here:

   caught-by: usage-client-args, exit-client, ipv6-client
   caught-by: message-ack-client-no-newline, byte-stream-client

   Everything else the grader would charge for what is not the lesson (a
   signal, a prompt stuck in stdio's buffer, EOF) is fixed to meet the
   contract of assignment 01-stream, each change marked "Differs:". See
   server.c for how to build and grade the pair.                        */
/* Differs: the tutorial relies on the compiler's default dialect. This
   asks glibc and musl for bzero() and gethostbyname() under cc -std=c99
   too; other systems offer them anyway. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netdb.h>

/* Fault: exit status 0 after an error, as if all went well; the
   contract wants 1. */
void error(const char *msg)
{
    perror(msg); /* msg, ": ", then the reason: strerror(errno) */
    exit(0);
}

int main(int argc, char *argv[])
{
    int sockfd, portno, n;
    struct sockaddr_in serv_addr;
    struct hostent *server;
    char buffer[256];

    /* Fault: at least two arguments, not exactly two: extra ones are
       ignored. */
    if (argc < 3) {
       fprintf(stderr,"usage %s hostname port\n", argv[0]);
       exit(0);
    }
    /* Differs: a write to a server that has gone away must be an error
       that we report (EPIPE, ECONNRESET), not the signal SIGPIPE, which
       would kill the client silently. */
    signal(SIGPIPE, SIG_IGN);

    portno = atoi(argv[2]);
    sockfd = socket(AF_INET, SOCK_STREAM, 0);
    if (sockfd < 0)
        error("ERROR opening socket");
    /* Fault: gethostbyname() knows IPv4 only: "::1" is no host to it.
       getaddrinfo() resolves names and literals to IPv4 and IPv6. */
    server = gethostbyname(argv[1]);
    if (server == NULL) {
        fprintf(stderr,"ERROR, no such host\n");
        exit(0);
    }
    bzero((char *) &serv_addr, sizeof(serv_addr));
    serv_addr.sin_family = AF_INET;
    bcopy((char *)server->h_addr,
         (char *)&serv_addr.sin_addr.s_addr,
         server->h_length);
    serv_addr.sin_port = htons(portno);
    if (connect(sockfd,(struct sockaddr *) &serv_addr,sizeof(serv_addr)) < 0)
        error("ERROR connecting");
    printf("Please enter the message: ");
    /* Differs: stdout is a pipe, not a terminal, when the grader runs us:
       stdio would keep the prompt in its buffer until exit. Flush it, so
       that the prompt shows before we wait for the line. */
    fflush(stdout);
    bzero(buffer,256);
    /* Fault: fgets() keeps the line as it is: a last line without a
       newline is sent without one, and the server waits for it. */
    if (fgets(buffer,255,stdin) == NULL)
        buffer[0] = '\0';
    n = write(sockfd,buffer,strlen(buffer));
    if (n < 0)
         error("ERROR writing to socket");
    bzero(buffer,256);
    /* Fault: one read() returns whatever has arrived, maybe one byte of
       the reply: read until EOF, when the server closes. */
    n = read(sockfd,buffer,255);
    if (n < 0)
         error("ERROR reading from socket");
    /* Differs: read() returning 0 is EOF, which perror() cannot name
       (errno is not set): the contract's message says it. */
    if (n == 0) {
         fprintf(stderr,"ERROR reading from socket: EOF\n");
         exit(0);
    }
    printf("%s\n",buffer);
    close(sockfd);
    return 0;
}
