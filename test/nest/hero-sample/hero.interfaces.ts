// Nest's sample/04-grpc interfaces/hero-by-id.interface.ts and hero.interface.ts.
export interface HeroById {
  id: number;
}

export interface Hero {
  id: number;
  name: string;
}
