package io.pigeon.console.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardTarget;

import io.pigeon.console.ConsoleContext;

/**
 * The users page's routes ({@link UserStore} does the work). Only administrators reach them: {@link ConsoleSecurity}
 * lists {@code /api/users} among its administrators' reads, and every state-changing route is an administrator's.
 */
final class UsersServlets {

    private UsersServlets() {
    }

    /** The request body of the routes below; each uses the fields it names. */
    static final class Request {
        String name;
        String role;
        String password;
    }

    static Request request(HttpServletRequest request) throws IOException, ApiServlet.BadRequest {
        Request r = ApiServlet.body(request, Request.class);
        if (r.name == null) {
            throw new ApiServlet.BadRequest("send the user's \"name\"");
        }
        return r;
    }

    /** {@code GET /api/users}: {"users": [{name, role, mustChangePassword, self}], "roles", "minPasswordLength"}. */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/users")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class UserList extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient UserStore users;

        @Activate
        public UserList(@Reference UserStore users) {
            this.users = users;
        }

        @Override
        void get(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String self = session(request).user;
            List<Map<String, Object>> list = new ArrayList<>();
            for (UserStore.User u : users.list()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", u.name());
                m.put("role", u.role());
                m.put("mustChangePassword", u.mustChangePassword());
                m.put("self", u.name().equals(self));
                list.add(m);
            }
            ok(response, Map.of("users", list, "roles", List.of(UserStore.ADMINISTRATOR, UserStore.OPERATOR),
                    "minPasswordLength", UserStore.MIN_PASSWORD_LENGTH));
        }
    }

    /** {@code POST /api/users/add} {"name", "role", "password"}: the user changes the password at the first login. */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/users/add")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Add extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient UserStore users;

        @Activate
        public Add(@Reference UserStore users) {
            this.users = users;
        }

        @Override
        void post(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            Request r = request(request);
            users.add(session(request).user, r.name, r.role, r.password == null ? null : r.password.toCharArray());
            ok(response, Map.of("added", r.name));
        }
    }

    /**
     * {@code POST /api/users/password} {"name", "password"}: a new password the user must change at the next login;
     * the user's sessions end.
     */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/users/password")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class ResetPassword extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient UserStore users;
        private final transient Sessions sessions;

        @Activate
        public ResetPassword(@Reference UserStore users, @Reference Sessions sessions) {
            this.users = users;
            this.sessions = sessions;
        }

        @Override
        void post(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            Request r = request(request);
            Sessions.Session s = session(request);
            users.resetPassword(s.user, r.name, r.password == null ? null : r.password.toCharArray());
            sessions.endAllOf(r.name, s);
            ok(response, Map.of("reset", r.name));
        }
    }

    /** {@code POST /api/users/role} {"name", "role"}: administrator or operator; takes effect at the next request. */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/users/role")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Role extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient UserStore users;

        @Activate
        public Role(@Reference UserStore users) {
            this.users = users;
        }

        @Override
        void post(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            Request r = request(request);
            users.setRole(session(request).user, r.name, r.role);
            ok(response, Map.of("name", r.name, "role", r.role));
        }
    }

    /** {@code POST /api/users/delete} {"name"}: the account and its sessions end. */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/users/delete")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Delete extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient UserStore users;
        private final transient Sessions sessions;

        @Activate
        public Delete(@Reference UserStore users, @Reference Sessions sessions) {
            this.users = users;
            this.sessions = sessions;
        }

        @Override
        void post(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            Request r = request(request);
            Sessions.Session s = session(request);
            users.delete(s.user, r.name);
            sessions.endAllOf(r.name, s);
            ok(response, Map.of("deleted", r.name));
        }
    }
}
