import { LoginForm } from "@/components/auth/login-form";
import { githubEnabled } from "@/auth";

export const metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; next?: string }> }) {
  const sp = await searchParams;
  let next = sp.next ?? "/";
  if (sp.callbackUrl) {
    try {
      next = new URL(sp.callbackUrl, "http://x").pathname;
    } catch {}
  }
  return (
    <>
      <h1 className="text-center text-lg font-semibold">Sign in</h1>
      <LoginForm next={next} github={githubEnabled()} />
    </>
  );
}
