package org.jcalico.datastore.etcd;

import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * The TLS context of a JSON client whose members are all http://: one that cannot speak TLS. The JDK's HttpClient
 * needs a context; given none it makes the JDK's default one, and any real JSSE context, even one that trusts
 * nothing, loads and initializes the JDK's TLS code as it is made (about 400 classes, which every etcd agent's AOT
 * cache then listed: docs/agent.md, "Memory", session 39). The client asks this one only for its default parameters;
 * a connection that did want TLS fails with this class's message rather than trusting anything.
 */
final class NoTls extends SSLContextSpi {
    private static final String REFUSAL = "no TLS: every etcd member of this endpoint is http://";

    private NoTls() {
    }

    static SSLContext context() {
        return new SSLContext(new NoTls(), null, "none") {
        };
    }

    @Override
    protected void engineInit(KeyManager[] keys, TrustManager[] trust, SecureRandom random) {
        // nothing to set up
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
        return new SSLParameters();
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
        return engineGetDefaultSSLParameters();
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
        throw new UnsupportedOperationException(REFUSAL);
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
        throw new UnsupportedOperationException(REFUSAL);
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
        throw new UnsupportedOperationException(REFUSAL);
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
        return engineCreateSSLEngine();
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
        throw new UnsupportedOperationException(REFUSAL);
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
        throw new UnsupportedOperationException(REFUSAL);
    }
}
