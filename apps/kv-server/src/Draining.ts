/**
 * Whether the server is shutting down. Set once, by the first finalizer of the main scope
 * (before the HTTP server's own finalizer runs); from then on every response carries
 * `Connection: close`, so a keep-alive client's connection ends with its request in flight
 * instead of holding the server's close open until its idle timeout.
 */
export class Draining {
  private started_ = false

  get started(): boolean {
    return this.started_
  }

  start(): void {
    this.started_ = true
  }
}
