// Routes added beside the sample's: what a ClientGrpc caller does beyond it, the grpc-js way. Call options as
// the second argument, and the fields of a caught error (code, details, message, metadata).
import { Controller, Get, Inject, Param } from '@nestjs/common';
import type { ClientGrpc } from '@nestjs/microservices';
import { catchError, of } from 'rxjs';
import type { Observable } from 'rxjs';
import type { HeroesService } from './hero.controller.js';

interface CaughtFields { code: unknown; details: unknown; message: unknown; metadata: unknown }

@Controller('probe')
export class ProbeController {
  constructor(@Inject('HERO_PACKAGE') private readonly client: ClientGrpc) {}

  private get heroes(): HeroesService {
    return this.client.getService<HeroesService>('HeroesService');
  }

  @Get('deadline/:id')
  withDeadline(@Param('id') id: string): Observable<unknown> {
    return this.heroes.findOne({ id: +id }, { deadline: Date.now() + 5000 });
  }

  @Get('caught/:id')
  caught(@Param('id') id: string): Observable<unknown> {
    return this.heroes.findOne({ id: +id }).pipe(catchError((err: CaughtFields & { metadata: { getMap(): object } }) =>
      of({ code: err.code, details: err.details, message: err.message, metadata: userKeys(err.metadata.getMap()) })));
  }
}

/** grpc-js lists a trailers-only answer's content-type and date as metadata, ours does not: no caller acts on them. */
function userKeys(map: object): object {
  return Object.fromEntries(Object.entries(map).filter(([key]) => key !== 'content-type' && key !== 'date'));
}
