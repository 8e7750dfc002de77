import type { NextAuthConfig } from "next-auth";

/** The part of the Auth.js config that needs no database (used by proxy.ts). */
export const authConfig = {
  pages: { signIn: "/login" },
  session: { strategy: "jwt" },
  trustHost: true,
  providers: [],
  callbacks: {
    authorized({ auth, request }) {
      const path = request.nextUrl.pathname;
      const publicPath = path.startsWith("/login") || path.startsWith("/signup") || path.startsWith("/api/") || path.startsWith("/invite/");
      return publicPath || !!auth?.user;
    },
    jwt({ token, user }) {
      if (user?.id) token.uid = user.id;
      return token;
    },
    session({ session, token }) {
      if (token.uid && session.user) session.user.id = token.uid as string;
      return session;
    },
  },
} satisfies NextAuthConfig;
