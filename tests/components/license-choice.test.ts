import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import LicenseChoice from '../../src/web/components/usage/LicenseChoice.vue';

const options = [
  { value: 'a', title: '不动产权证书', detail: '京(2020)东城区不动产权第0012345号' },
  { value: 'b', title: '不动产权证书', detail: '京(2026)东城区不动产权第0034567号' },
];

describe('the radio-card choice', () => {
  it('is one named radio group under its legend, each card telling same-name certificates apart', () => {
    const w = mount(LicenseChoice, { props: { name: 'license', legend: '选择要出示的证照', options, modelValue: null } });
    expect(w.find('legend').text()).toBe('选择要出示的证照');
    const radios = w.findAll('input[type="radio"]');
    expect(radios).toHaveLength(2);
    expect(radios.every((r) => r.attributes('name') === 'license')).toBe(true);
    expect(w.findAll('label').map((l) => l.text())).toEqual([
      '不动产权证书京(2020)东城区不动产权第0012345号',
      '不动产权证书京(2026)东城区不动产权第0034567号',
    ]);
  });

  it('reports the choice and marks the chosen card', async () => {
    const w = mount(LicenseChoice, {
      props: { name: 'license', legend: 'x', options, modelValue: null, 'onUpdate:modelValue': (v: string | null) => w.setProps({ modelValue: v }) },
    });
    await w.findAll('input[type="radio"]')[1]!.setValue(true);
    expect(w.emitted('update:modelValue')?.[0]).toEqual(['b']);
    expect(w.findAll('label')[1]!.classes()).toContain('license-choice__option--on');
    expect(w.findAll('label')[0]!.classes()).not.toContain('license-choice__option--on');
  });
});
