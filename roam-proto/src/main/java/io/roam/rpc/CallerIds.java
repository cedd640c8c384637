package io.roam.rpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/** Who is calling: the common name of the peer's client certificate, made available to server code. */
public final class CallerIds {
    private static final Context.Key<String> PEER = Context.key("roam-peer-cn");

    private CallerIds() {}

    /** Puts the peer certificate's CN into the gRPC {@link Context} of every call ({@link Tls#startServer} installs it). */
    public static ServerInterceptor interceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                String cn = peerOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                return Contexts.interceptCall(Context.current().withValue(PEER, cn), call, headers, next);
            }
        };
    }

    /** The CN of the current call's peer certificate; empty outside a call or without a certificate. */
    public static String peerName() {
        String cn = PEER.get();
        return cn == null ? "" : cn;
    }

    private static String peerOf(SSLSession session) {
        if (session == null) return "";
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? Certificates.commonName(x) : "";
        } catch (SSLPeerUnverifiedException e) {
            return "";
        }
    }
}
