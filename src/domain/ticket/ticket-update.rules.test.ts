import { DomainError } from '../errors';
import {
  detailsDiffer,
  parseTicketUpdate,
  updatedDetails,
  type TicketDetails,
  type TicketUpdateInput,
} from './ticket-update.rules';
import { TicketPriority } from './ticket.enums';

/** docs/domain.md "Skills timeout": what updateTicket accepts and what it leaves the ticket with. */

const { LOW, NORMAL, URGENT } = TicketPriority;
const current: TicketDetails = Object.freeze({
  priority: NORMAL,
  requiredSkills: Object.freeze(['billing']),
  optionalSkills: Object.freeze(['spanish']),
});

describe('parseTicketUpdate', () => {
  it.each<[string, TicketUpdateInput, ReturnType<typeof parseTicketUpdate>]>([
    ['nothing', {}, {}],
    ['omitted (undefined) fields', { priority: undefined, requiredSkills: undefined }, {}],
    ['a priority', { priority: URGENT }, { priority: URGENT }],
    ['skills, normalised', { requiredSkills: [' VIP ', 'vip'] }, { requiredSkills: ['vip'] }],
    [
      'optional skills, normalised',
      { optionalSkills: ['Spanish', 'tier-2'] },
      { optionalSkills: ['spanish', 'tier-2'] },
    ],
    [
      'empty lists (none)',
      { requiredSkills: [], optionalSkills: [] },
      { requiredSkills: [], optionalSkills: [] },
    ],
  ])('%s', (_label, input, expected) => {
    expect(parseTicketUpdate(input)).toStrictEqual(expected);
  });

  it.each<[TicketUpdateInput, string]>([
    [{ priority: null }, 'input.priority'],
    [{ requiredSkills: null }, 'input.requiredSkills'],
    [{ optionalSkills: null }, 'input.optionalSkills'],
    [{ requiredSkills: ['two words'] }, 'input.requiredSkills'],
    [{ optionalSkills: ['ok', 'not ok'] }, 'input.optionalSkills'],
    [{ optionalSkills: Array.from({ length: 101 }, (_, i) => `s${i}`) }, 'input.optionalSkills'],
  ])('%p is BAD_USER_INPUT naming %s', (input, field) => {
    const attempt = () => parseTicketUpdate(input);
    expect(attempt).toThrow(DomainError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', field }));
  });
});

describe('updatedDetails', () => {
  it.each<[string, Parameters<typeof updatedDetails>[1], TicketDetails]>([
    ['nothing given keeps everything', {}, current],
    ['a priority alone', { priority: LOW }, { ...current, priority: LOW }],
    ['required skills replaced', { requiredSkills: ['vip'] }, { ...current, requiredSkills: ['vip'] }],
    ['optional skills replaced', { optionalSkills: ['french'] }, { ...current, optionalSkills: ['french'] }],
    ['optional skills cleared', { optionalSkills: [] }, { ...current, optionalSkills: [] }],
    [
      'a skill given as both is required',
      { requiredSkills: ['vip'], optionalSkills: ['vip', 'french'] },
      { ...current, requiredSkills: ['vip'], optionalSkills: ['french'] },
    ],
    [
      'new required skills take a kept optional one',
      { requiredSkills: ['billing', 'spanish'] },
      { ...current, requiredSkills: ['billing', 'spanish'], optionalSkills: [] },
    ],
    [
      'new optional skills drop a kept required one',
      { optionalSkills: ['billing', 'french'] },
      { ...current, optionalSkills: ['french'] },
    ],
  ])('%s', (_label, update, expected) => {
    expect(updatedDetails(current, update)).toStrictEqual(expected);
  });
});

describe('detailsDiffer', () => {
  it.each<[string, Partial<TicketDetails>, boolean]>([
    ['the same', {}, false],
    ['the same skills given again', { optionalSkills: ['spanish'], requiredSkills: ['billing'] }, false],
    ['another priority', { priority: URGENT }, true],
    ['a required skill more', { requiredSkills: ['billing', 'vip'] }, true],
    ['a required skill fewer', { requiredSkills: [] }, true],
    ['an optional skill swapped', { optionalSkills: ['french'] }, true],
  ])('%s: %s', (_label, over, differ) => {
    expect(detailsDiffer(current, { ...current, ...over })).toBe(differ);
  });

  it('compares skills as sets', () => {
    const a = { ...current, requiredSkills: ['a', 'b'] };
    expect(detailsDiffer(a, { ...current, requiredSkills: ['b', 'a'] })).toBe(false);
    expect(detailsDiffer(a, { ...current, requiredSkills: ['a', 'a'] })).toBe(true);
  });
});
