import NextAuth from "next-auth";
import { authConfig } from "./auth.config";

// A first, cookie-only gate that sends signed-out visitors to /login. It is not the security
// boundary: every page and server action checks the session and team membership itself.
export default NextAuth(authConfig).auth;

export const config = {
  matcher: ["/((?!api|_next/static|_next/image|favicon.ico|.*\\.(?:svg|png|ico|css|js)$).*)"],
};
