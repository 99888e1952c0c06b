package org.jcalico.testing;

/**
 * Which of the JVMs that run test classes at once this one is: pom.xml hands each fork its number
 * ({@code jcalico.test.fork}, surefire's forkNumber) and their count ({@code jcalico.test.forks}); a JVM started
 * otherwise (an IDE, a test's own JVM) is the one and only. Two classes at once must not meet in anything named
 * (namespaces, labs, etcd's ports): {@link TestNamespaces} and {@link EtcdFixture} take this fork's share.
 */
public record TestFork(int number, int count) {
    /** One digit in a name, so that no fork's names begin with another's (fork 1 and fork 12 would). */
    static final int MAX = 9;

    public TestFork {
        if (count < 1 || count > MAX || number < 1 || number > count) {
            throw new IllegalStateException("test fork " + number + " of " + count + ": jcalico.test.forks must be 1-"
                    + MAX + " and the fork's number one of them");
        }
    }

    /** This JVM's fork, from the properties pom.xml sets; 1 of 1 without them. */
    public static TestFork current() {
        String count = System.getProperty("jcalico.test.forks", "1");
        String number = System.getProperty("jcalico.test.fork", "1");
        if (!count.matches("\\d{1,2}") || !number.matches("\\d{1,2}")) {
            throw new IllegalStateException("jcalico.test.fork '" + number + "' and jcalico.test.forks '" + count
                    + "' must be numbers");
        }
        return new TestFork(Integer.parseInt(number), Integer.parseInt(count));
    }

    /** What this fork adds to the names of what tests make: nothing when it is the only one, else its number. */
    public String namePart() {
        return count == 1 ? "" : Integer.toString(number);
    }

    /** This fork's share of ALL: the range cut into as many equal parts as there are forks, the rest of it unused. */
    public Ports ports(Ports all) {
        int share = (all.last() - all.first() + 1) / count;
        if (share < 2) {
            throw new IllegalStateException("ports " + all + " are too few for " + count + " test forks (an etcd takes two)");
        }
        int from = all.first() + (number - 1) * share;
        return new Ports(from, from + share - 1);
    }

    /** A range of ports, FIRST-LAST. */
    public record Ports(int first, int last) {
        /** FIRST-LAST, as JCALICO_TEST_ETCD_PORTS gives it. */
        public static Ports parse(String range) {
            if (!range.matches("\\d{1,5}-\\d{1,5}")) {
                throw new IllegalStateException("JCALICO_TEST_ETCD_PORTS must be FIRST-LAST, not '" + range + "'");
            }
            String[] ends = range.split("-");
            return new Ports(Integer.parseInt(ends[0]), Integer.parseInt(ends[1]));
        }

        public int count() {
            return last - first + 1;
        }

        @Override
        public String toString() {
            return first + "-" + last;
        }
    }
}
