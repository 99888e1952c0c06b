# The HTTP client of the node agent's Unix socket, for the launcher (./jcalico) and the CNI plugin's executables:
# perl-base is on every Debian system and starts in a few milliseconds with its built-in socket calls and no module;
# curl takes 10-20 ms (it loads its TLS, HTTP/2 and other libraries first). Usage: perl socket-client.pl SOCKET PATH,
# the request body on stdin. It prints what curl printed with -w '%{exitcode} %{http_code}', so its callers read one
# outcome whichever client ran: "7 000" when nobody listens (the agent is not running), "0 CODE" after a complete
# answer (for 200, the body before it), and otherwise (the agent died before answering, or in the middle of its
# answer) curl's codes for an empty reply (52), a failed send (55) or a partial body (18).
# Usage with HOST ARG... after PATH (the launcher's served command): the body is its fields, each followed by a NUL:
# HOST, NAME=VALUE of each JCALICO_ and then each DOCKER_ variable of the environment in name order, an empty field,
# then each ARG; standard input is not read. The variables come from the environment, never from the arguments,
# which any local user reads in /proc/PID/cmdline (a password may be among them). Piped from printf, the fields cost
# the launcher two more processes, 10-15 ms of a served command on a loaded 2-core machine (docs/agent.md).
binmode STDIN; binmode STDOUT; local $/;
my $body;
if (@ARGV > 2) {
  my @names = ((sort grep { /^JCALICO_/ } keys %ENV), (sort grep { /^DOCKER_/ } keys %ENV));
  $body = join("", map { "$_\0" } $ARGV[2], (map { "$_=$ENV{$_}" } @names), "", @ARGV[3 .. $#ARGV]);
} else {
  $body = <STDIN> // "";
}
socket(S, 1, 1, 0) && connect(S, pack("S Z108", 1, $ARGV[0])) or do { print "7 000"; exit 0 };
my $out = "POST $ARGV[1] HTTP/1.1\r\nHost: agent\r\nContent-Type: application/octet-stream\r\nContent-Length: "
  . length($body) . "\r\nConnection: close\r\n\r\n" . $body;
while (length $out) { my $n = syswrite(S, $out); defined $n or do { print "55 000"; exit 0 }; substr($out, 0, $n) = "" }
my $in = ""; while (sysread(S, $in, 65536, length $in)) { }
my ($head, $rest) = split /\r\n\r\n/, $in, 2;
defined $rest && $head =~ m{^HTTP/1\.[01] (\d{3})\b} or do { print "52 000"; exit 0 };
my $code = $1;
if ($code == 200) {
  $head =~ /^Content-Length:\s*(\d+)\s*$/mi && length($rest) == $1 or do { print "18 $code"; exit 0 };
  print $rest;
}
print "0 $code";
