import { eq, sql } from "drizzle-orm";
import { getDb, type Db } from "@/db";
import { memberships, teams, users } from "@/db/schema";
import { hashPassword, verifyPassword } from "./password";
import { UserError } from "@/lib/errors";

export async function checkCredentials(email: string, password: string) {
  const db = await getDb();
  const [user] = await db.select().from(users).where(eq(users.email, email.toLowerCase())).limit(1);
  // Hash even when the user is unknown so timing does not reveal which emails exist.
  const ok = await verifyPassword(password, user?.passwordHash ?? "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA");
  return ok && user ? user : null;
}

export async function createUser(db: Db, input: { name: string; email: string; password: string; isDemo?: boolean }) {
  const existing = await db.select({ id: users.id }).from(users).where(eq(users.email, input.email)).limit(1);
  if (existing.length) throw new UserError("An account with this email already exists. Sign in instead.", { email: ["This email is already registered."] });
  // The first account of an installation becomes its admin (providers and models are shared by every team).
  const [{ n }] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
  const [user] = await db
    .insert(users)
    .values({ name: input.name, email: input.email, passwordHash: await hashPassword(input.password), isDemo: input.isDemo ?? false, siteAdmin: Number(n) === 0 })
    .returning();
  return user;
}

export async function teamsOfUser(db: Db, userId: string) {
  return db
    .select({ id: teams.id, slug: teams.slug, name: teams.name, role: memberships.role })
    .from(memberships)
    .innerJoin(teams, eq(teams.id, memberships.teamId))
    .where(eq(memberships.userId, userId))
    .orderBy(teams.name);
}

export async function isSiteAdmin(db: Db, userId: string): Promise<boolean> {
  const [row] = await db.select({ siteAdmin: users.siteAdmin }).from(users).where(eq(users.id, userId));
  return row?.siteAdmin ?? false;
}
