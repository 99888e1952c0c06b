# The HTTP client of the node agent's Unix socket, for the launcher (./jcalico) and the CNI plugin's executables:
# perl-base is on every Debian system and starts in a few milliseconds with its built-in socket calls and no module;
# curl takes 10-20 ms (it loads its TLS, HTTP/2 and other libraries first). Usage: perl socket-client.pl SOCKET PATH,
# the request body on stdin. It prints what curl printed with -w '%{exitcode} %{http_code}', so its callers read one
# outcome whichever client ran: "7 000" when nobody listens (the agent is not running), "0 CODE" after a complete
# answer (for 200, the body before it), and otherwise (the agent died before answering, or in the middle of its
# answer) curl's codes for an empty reply (52), a failed send (55) or a partial body (18). An agent that refuses a
# request over its bounds (413, 431) answers and closes before it is all sent: that answer counts, not the failed send.
# Usage with HOST LAUNCHER LIST ARG... after PATH (the launcher's served command, which execs this script): the body
# is its fields, each followed by a NUL: HOST, NAME=VALUE of each JCALICO_ and then each DOCKER_ variable of the
# environment in name order, an empty field, then each ARG; standard input is not read. The variables come from the
# environment, never from the arguments, which any local user reads in /proc/PID/cmdline (a password may be among
# them). Piped from printf, the fields cost the launcher two more processes, 10-15 ms of a served command on a loaded
# 2-core machine (docs/agent.md). In this use the script finishes the launcher's work itself (`launcher` below): it
# prints the command's output and exits with its status, or runs LAUNCHER again with JCALICO_NO_AGENT=1 when the
# command is to run here; LIST is 1 for a list, which runs here also when the agent failed.
binmode STDIN; binmode STDOUT; local $/;
# SIGPIPE as this client was given it: ignored below for the client's own writes, given back to what it runs
my $sigpipe = $SIG{PIPE} // 'DEFAULT';
my ($body, $launcher, $list, @args);
if (@ARGV > 2) {
  ($launcher, $list, @args) = @ARGV[3 .. $#ARGV];
  my @names = ((sort grep { /^JCALICO_/ } keys %ENV), (sort grep { /^DOCKER_/ } keys %ENV));
  $body = join("", map { "$_\0" } $ARGV[2], (map { "$_=$ENV{$_}" } @names), "", @args);
} else {
  $body = <STDIN> // "";
}
sub outcome { defined $launcher ? launcher(@_) : print $_[0] eq "0 200" ? $_[1] . $_[0] : $_[0]; exit 0 }
# The launcher's served command, given the outcome and the answer: the agent's output, error output and status, each
# followed by a NUL, status "-" when the agent declined.
sub launcher {
  my ($outcome, $answer) = @_;
  here() if $outcome eq "7 000";  # nobody listens: the agent is not running
  # refused before anything ran (a request over the socket's bound of 1 MiB: arguments and variables that large), and
  # the agent's log has no word of it: the command runs here, as without an agent, and says what is wrong with it
  here() if $outcome eq "0 413";
  binmode STDERR;
  if ($outcome ne "0 200" || $answer !~ /\A([^\0]*)\0([^\0]*)\0([0-9]+|-)\0\z/) {
    here() if $list;  # a list changes nothing: it runs here instead
    if ($outcome =~ /^0 (\d+)/) { print STDERR "error: the agent's socket answered HTTP $1 (see its log)\n"; exit 1 }
    # it may have done part of the work: running it again here could do it twice
    print STDERR "error: the agent stopped before finishing the command (see its log)\n"; exit 1;
  }
  my ($out, $err, $status) = ($1, $2, $3);
  here() if $status eq "-";
  print $out; print STDERR $err; exit $status;
}
# The command runs here, in the launcher's own JVM
sub here { $ENV{JCALICO_NO_AGENT} = 1; $SIG{PIPE} = $sigpipe; exec { $launcher } $launcher, @args; die "error: cannot run $launcher: $!\n" }
$SIG{PIPE} = 'IGNORE';  # a write to a socket closed under it fails instead of killing the client without a word
socket(S, 1, 1, 0) && connect(S, pack("S Z108", 1, $ARGV[0])) or outcome("7 000");
my $out = "POST $ARGV[1] HTTP/1.1\r\nHost: agent\r\nContent-Type: application/octet-stream\r\nContent-Length: "
  . length($body) . "\r\nConnection: close\r\n\r\n" . $body;
while (length $out) { my $n = syswrite(S, $out); defined $n or last; substr($out, 0, $n) = "" }
my $in = ""; while (sysread(S, $in, 65536, length $in)) { }
my ($head, $rest) = split /\r\n\r\n/, $in, 2;
defined $rest && $head =~ m{^HTTP/1\.[01] (\d{3})\b} or outcome(length $out ? "55 000" : "52 000");
my $code = $1;
$code != 200 || $head =~ /^Content-Length:\s*(\d+)\s*$/mi && length($rest) == $1 or outcome("18 $code");
outcome("0 $code", $rest);
