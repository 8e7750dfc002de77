import { SignupForm } from "@/components/auth/login-form";

export const metadata = { title: "Create an account" };

export default async function SignupPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  return (
    <>
      <h1 className="text-center text-lg font-semibold">Create an account</h1>
      <SignupForm next={next} />
    </>
  );
}
