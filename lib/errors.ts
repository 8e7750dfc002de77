/** An error whose message is meant for the person who caused it (bad input, a refused change). */
export class UserError extends Error {
  constructor(
    message: string,
    public readonly fieldErrors?: Record<string, string[]>,
    public readonly status = 400,
  ) {
    super(message);
    this.name = "UserError";
  }
}

export class NotFoundError extends UserError {
  constructor(message: string) {
    super(message, undefined, 404);
    this.name = "NotFoundError";
  }
}
