/*
 * unixecho PATH: the host end of a virtio-console port in guest tests.
 * Connects to the UNIX socket PATH (retrying while khyve starts), reads
 * one line the guest wrote, prints it on stdout and sends back
 * "echo: LINE\n", then waits until the guest closes or 60 s pass.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pollfd pfd;
	char line[512], reply[600];
	size_t n = 0;
	int s = -1, i;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: unixecho PATH\n");
		return (2);
	}
	strcpy(sa.sun_path, argv[1]);
	for (i = 0; i < 1200; i++) {
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		close(s);
		s = -1;
		usleep(100000);
	}
	if (s < 0) {
		fprintf(stderr, "unixecho: cannot connect to %s\n", argv[1]);
		return (1);
	}
	while (n < sizeof(line) - 1 && read(s, &line[n], 1) == 1)
		if (line[n++] == '\n')
			break;
	line[n] = '\0';
	printf("%s", line);
	fflush(stdout);
	snprintf(reply, sizeof(reply), "echo: %s", line);
	if (write(s, reply, strlen(reply)) < 0)
		return (1);
	pfd.fd = s;
	pfd.events = POLLIN;
	(void)poll(&pfd, 1, 60000);
	return (n > 0 ? 0 : 1);
}
