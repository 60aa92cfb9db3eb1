package dev.tidings.identity;

import dev.tidings.core.Caller;
import dev.tidings.core.TidingsException;
import dev.tidings.core.TidingsException.Reason;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.eclipse.microprofile.jwt.Claims;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Turns an HTTP request into a {@link Caller}, for the SSE stream and the REST endpoints alike.
 *
 * <p>In JWT mode the token may come from {@code Authorization: Bearer}, or, because
 * {@code EventSource} cannot set headers, from an {@code access_token} query parameter or cookie.
 * Verification uses the configured MicroProfile JWT key ({@code mp.jwt.verify.*}).
 */
@ApplicationScoped
public class CallerResolver {

    static final String IDENTITY_HEADER = "X-Identity";
    static final String TOKEN_PARAMETER = "access_token";

    private final IdentityConfig config;
    private final Instance<JWTParser> parser;

    @Inject
    public CallerResolver(IdentityConfig config, Instance<JWTParser> parser) {
        this.config = config;
        this.parser = parser;
    }

    /** The caller opening a stream; in demo mode an unnamed one gets a fresh anonymous identity. */
    public Caller forStream(HttpServerRequest request) {
        if (config.mode() == IdentityConfig.Mode.DEMO) {
            String named = demoName(request);
            return new Caller(named != null ? named : "anonymous-" + UUID.randomUUID().toString().substring(0, 8),
                    demoGroups(), false);
        }
        return fromToken(request);
    }

    /**
     * The caller of a REST request. In demo mode an unnamed caller is anonymous: it may act on a
     * client process whose id it knows (the id is unguessable), but proves no identity.
     */
    public Caller forRequest(HttpServerRequest request) {
        if (config.mode() == IdentityConfig.Mode.DEMO) {
            String named = demoName(request);
            return named != null ? new Caller(named, demoGroups(), false) : new Caller("anonymous", demoGroups(), true);
        }
        return fromToken(request);
    }

    /** In demo mode anyone may notify: every caller is in the notifier group. */
    private Set<String> demoGroups() {
        return Set.of(config.notifierGroup());
    }

    /** Unlisten-identity and disconnect are for services: in JWT mode they need the notifier group. */
    public void requireNotifier(Caller caller) {
        if (config.mode() == IdentityConfig.Mode.JWT && !caller.isIn(config.notifierGroup())) {
            throw new TidingsException(Reason.FORBIDDEN, "this needs the group " + config.notifierGroup());
        }
    }

    /**
     * Stats tell who is connected and what is listened on: in JWT mode they are for services and
     * operators, the notifier group or the admin group.
     */
    public void requireOperator(Caller caller) {
        if (config.mode() == IdentityConfig.Mode.JWT && !caller.isIn(config.notifierGroup())
                && !caller.isIn(config.adminGroup())) {
            throw new TidingsException(Reason.FORBIDDEN,
                    "this needs the group " + config.notifierGroup() + " or " + config.adminGroup());
        }
    }

    /**
     * A query parameter. Vert.x's decoder throws on a query that does not decode (a stray
     * {@code %}); should such a request reach us, it is the caller's mistake, a 400, never a 500.
     */
    public static String param(HttpServerRequest request, String name) {
        try {
            return request.getParam(name);
        } catch (IllegalArgumentException e) {
            throw new TidingsException(Reason.BAD_REQUEST, "the query string does not decode: " + e.getMessage());
        }
    }

    private static String demoName(HttpServerRequest request) {
        String name = request.getHeader(IDENTITY_HEADER);
        if (name == null || name.isBlank()) {
            name = param(request, "identity");
        }
        if (name == null || name.isBlank()) {
            return null;
        }
        if (name.length() > 128) {
            throw new TidingsException(Reason.BAD_REQUEST, "identity is longer than 128 characters");
        }
        return name.trim();
    }

    private Caller fromToken(HttpServerRequest request) {
        String token = token(request);
        if (token == null) {
            throw new TidingsException(Reason.UNAUTHENTICATED,
                    "a bearer token is required (Authorization header, access_token parameter or cookie)");
        }
        JsonWebToken jwt;
        try {
            jwt = parser.get().parse(token);
        } catch (ParseException e) {
            throw new TidingsException(Reason.UNAUTHENTICATED, "the token is not valid: " + e.getMessage());
        }
        if (jwt.getSubject() == null || jwt.getSubject().isBlank()) {
            throw new TidingsException(Reason.UNAUTHENTICATED, "the token has no subject");
        }
        return new Caller(jwt.getSubject(), jwt.getGroups() == null ? Set.of() : jwt.getGroups(), false, claims(jwt));
    }

    /** The token's claims as plain Java values, for {@link Caller#claims()}; the raw token itself is left out. */
    private static Map<String, Object> claims(JsonWebToken jwt) {
        Map<String, Object> claims = new HashMap<>();
        for (String name : jwt.getClaimNames()) {
            if (name.equals(Claims.raw_token.name())) {
                continue;
            }
            Object value = plain(jwt.getClaim(name));
            if (value != null) {
                claims.put(name, value);
            }
        }
        return claims;
    }

    private static Object plain(Object value) {
        if (value instanceof JsonString s) {
            return s.getString();
        } else if (value instanceof JsonNumber n) {
            return n.isIntegral() ? (Object) n.longValue() : (Object) n.doubleValue();
        } else if (value instanceof JsonArray a) {
            return a.stream().map(CallerResolver::plain).filter(Objects::nonNull).toList();
        } else if (value instanceof JsonObject o) {
            Map<String, Object> m = new HashMap<>();
            o.forEach((k, v) -> {
                Object p = plain(v);
                if (p != null) {
                    m.put(k, p);
                }
            });
            return m;
        } else if (value instanceof JsonValue v) {
            return v == JsonValue.TRUE ? Boolean.TRUE : v == JsonValue.FALSE ? Boolean.FALSE : null;
        } else if (value instanceof Collection<?> c) {
            return c.stream().map(CallerResolver::plain).filter(Objects::nonNull).toList();
        } else if (value instanceof Integer i) {
            return i.longValue();
        }
        return value instanceof String || value instanceof Long || value instanceof Double || value instanceof Boolean
                ? value : value == null ? null : value.toString();
    }

    private static String token(HttpServerRequest request) {
        String header = request.getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return header.substring(7).trim();
        }
        String param = param(request, TOKEN_PARAMETER);
        if (param != null && !param.isBlank()) {
            return param;
        }
        Cookie cookie = request.getCookie(TOKEN_PARAMETER);
        return cookie == null ? null : cookie.getValue();
    }
}
