import { badInput } from './errors';

const SKILL_PATTERN = /^[a-z0-9_-]{1,64}$/;
export const MAX_SKILLS = 100;

/**
 * Skills compare case-insensitively (docs/domain.md "Routing"), so they are stored in one canonical form:
 * trimmed, lowercased, de-duplicated, in first-seen order.
 */
export function normalizeSkills(field: string, skills: readonly string[]): string[] {
  if (skills.length > MAX_SKILLS) throw badInput(field, `${field} may hold at most ${MAX_SKILLS} skills`);
  const seen = new Set<string>();
  for (const raw of skills) {
    const skill = raw.trim().toLowerCase();
    if (!SKILL_PATTERN.test(skill)) {
      throw badInput(
        field,
        `${field}: ${JSON.stringify(raw)} is not a skill (1-64 characters of a-z, 0-9, "_" or "-")`,
      );
    }
    seen.add(skill);
  }
  return [...seen];
}

/**
 * Optional skills as stored beside required ones (docs/domain.md "Skills timeout"): a skill that
 * is both is required, so it is left out of the optional ones. Both lists are normalised.
 */
export function withoutRequired(optional: readonly string[], required: readonly string[]): string[] {
  const requiredSet = new Set(required);
  return optional.filter((skill) => !requiredSet.has(skill));
}
