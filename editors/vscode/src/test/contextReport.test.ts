/** Unit tests of the page that shows the `fillin/context` result. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { fenced, formatContextReport, isContextResult } from '../contextReport';

const cursor = { path: 'shop/cart.py', line: 12, column: 5 };

describe('formatContextReport', () => {
  it('shows the budget, each repository section and the prompt', () => {
    const page = formatContextReport(
      {
        prompt: '<fim_prefix>def total(cart):\n    <fim_suffix><fim_middle>',
        sections: [
          {
            source: 'definition',
            path: 'shop/models.py',
            startLine: 3,
            endLine: 9,
            tokens: 41,
            text: 'class Item:\n    price: float\n',
          },
        ],
        tokensUsed: 97,
        budgetTokens: 2048,
        elapsedMs: 3.14159,
      },
      cursor,
    );
    assert.match(page, /^# fillin context for shop\/cart\.py:12:5$/m);
    assert.match(page, /^97 of 2048 prompt tokens, assembled in 3\.1 ms\.$/m);
    assert.match(page, /^### definition: shop\/models\.py:3-9 \(41 tokens\)$/m);
    assert.match(page, /```\nclass Item:\n    price: float\n```/);
    assert.ok(page.indexOf('## Prompt') > page.indexOf('### definition'));
  });

  it('says when there is no repository context', () => {
    const page = formatContextReport(
      { prompt: 'x', sections: [], tokensUsed: 1, budgetTokens: 64, elapsedMs: 0 },
      cursor,
    );
    assert.match(page, /## Repository context \(0\)\n\nNone/);
  });

  it('shows any other result as JSON instead of hiding it', () => {
    const page = formatContextReport({ unexpected: [1, 2] }, cursor);
    assert.equal(isContextResult({ unexpected: [1, 2] }), false);
    assert.match(page, /```json\n\{\n {2}"unexpected": \[/);
  });
});

describe('fenced', () => {
  it('uses a fence longer than any backtick run in the text', () => {
    assert.equal(fenced('a ``` b'), '````\na ``` b\n````');
    assert.equal(fenced('plain\n', 'py'), '```py\nplain\n```');
  });
});
