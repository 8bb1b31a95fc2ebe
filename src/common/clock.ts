/** The source of "now" for every rule that depends on time; tests inject a controllable one. */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
