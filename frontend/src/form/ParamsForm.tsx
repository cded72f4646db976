/**
 * The params form, generated from the demo's schema. While a job runs, live fields stay
 * enabled (each change goes to the job at once) and every other field is locked.
 */

import { useEffect, useState } from "preact/hooks";
import type { Params } from "../api/types";
import { formatNumber, type Path, pathKey, valueAt } from "../run/paramDiff";
import type {
  BooleanField,
  EnumField,
  FieldSpec,
  JsonField,
  NumberField,
  TextField,
  TupleField,
  UnionListField,
} from "./schema";
import { checkNumber, fromSliderPosition, SLIDER_STEPS, sliderScale, toSliderPosition } from "./slider";
import { ImagePicker } from "./ImagePicker";
import { PointsEditor } from "./PointsEditor";
import { FormIdPrefix, Notes, useIds } from "./notes";
import { switchVariant, variantDefault, variantOf } from "./values";

export interface FormContext {
  value: Params;
  onChange: (path: Path, value: unknown) => void;
  /** A job is running: only live fields may change. */
  running: boolean;
  errors: Map<string, string>;
}

/** `idPrefix`: what the ids of its inputs start with, when the page has another params form. */
export function ParamsForm({
  fields,
  context,
  idPrefix = "param",
}: {
  fields: FieldSpec[];
  context: FormContext;
  idPrefix?: string;
}) {
  return (
    <FormIdPrefix.Provider value={idPrefix}>
      <div class="params-form">
        {fields.map((field) => (
          <Field key={field.name} field={field} path={[field.name]} context={context} />
        ))}
      </div>
    </FormIdPrefix.Provider>
  );
}

export interface FieldProps<F extends FieldSpec = FieldSpec> {
  field: F;
  path: Path;
  context: FormContext;
}

function Field(props: FieldProps) {
  const { field } = props;
  switch (field.kind) {
    case "number":
      return <NumberInput {...props} field={field} />;
    case "enum":
      return <EnumInput {...props} field={field} />;
    case "boolean":
      return <BooleanInput {...props} field={field} />;
    case "text":
      return <TextInput {...props} field={field} />;
    case "image":
      return <ImagePicker {...props} field={field} locked={locked(field, props.context)} />;
    case "points":
      return <PointsEditor {...props} field={field} locked={locked(field, props.context)} />;
    case "tuple":
      return <TupleInput {...props} field={field} />;
    case "union-list":
      return <UnionList {...props} field={field} />;
    case "object":
      return (
        <fieldset class="field-group">
          <legend>{field.label}</legend>
          {field.fields.map((child) => (
            <Field
              key={child.name}
              field={child}
              path={[...props.path, child.name]}
              context={props.context}
            />
          ))}
        </fieldset>
      );
    case "json":
      return <JsonInput {...props} field={field} />;
  }
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function locked(field: FieldSpec, context: FormContext): boolean {
  return context.running && !field.live;
}

function LiveTag({ field, context }: { field: FieldSpec; context: FormContext }) {
  if (!field.live || field.kind === "union-list") return null;
  return (
    <span class={context.running ? "live-tag active" : "live-tag"} title="Can change while the job runs">
      live
    </span>
  );
}

function NumberInput({ field, path, context }: FieldProps<NumberField>) {
  const { idOf, describedBy } = useIds();
  const value = valueAt(context.value, path) as number;
  const [draft, setDraft] = useState(String(value ?? ""));
  const [typingError, setTypingError] = useState<string | null>(null);
  // Follow changes made elsewhere (the slider, a loaded run) but not mid-typing ("0." is 0).
  useEffect(() => {
    if (Number(draft) !== value) setDraft(String(value));
  }, [value]);
  const scale = sliderScale(field);
  const disabled = locked(field, context);
  const error = typingError ?? context.errors.get(pathKey(path)) ?? null;
  const id = idOf(path);

  const commitTyped = (text: string) => {
    setDraft(text);
    const parsed = text.trim() === "" ? NaN : Number(text);
    const problem = checkNumber(field, parsed);
    setTypingError(problem);
    if (!problem) context.onChange(path, parsed);
  };

  return (
    <div class="field field-number" data-path={pathKey(path)}>
      <label for={id}>
        {field.label}
        <LiveTag field={field} context={context} />
      </label>
      <div class="number-row">
        {scale && (
          <input
            type="range"
            class="slider"
            aria-label={`${field.label} slider${field.log || scale.log ? " (logarithmic)" : ""}`}
            aria-valuetext={`${formatNumber(value)}${field.unit ? ` ${field.unit}` : ""}`}
            min={0}
            max={SLIDER_STEPS}
            step={1}
            value={toSliderPosition(scale, value)}
            disabled={disabled}
            onInput={(event) => {
              setTypingError(null);
              context.onChange(path, fromSliderPosition(scale, Number(event.currentTarget.value)));
            }}
          />
        )}
        <input
          id={id}
          type="number"
          class="number-box"
          inputMode="decimal"
          step="any"
          value={draft}
          disabled={disabled}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy(path, field.help, error)}
          onInput={(event) => commitTyped(event.currentTarget.value)}
        />
        {field.unit && <span class="unit">{field.unit}</span>}
      </div>
      <Notes path={path} help={field.help} error={error} />
    </div>
  );
}

function EnumInput({ field, path, context }: FieldProps<EnumField>) {
  const { idOf, describedBy } = useIds();
  const error = context.errors.get(pathKey(path)) ?? null;
  return (
    <div class="field" data-path={pathKey(path)}>
      <label for={idOf(path)}>
        {field.label}
        <LiveTag field={field} context={context} />
      </label>
      <select
        id={idOf(path)}
        value={String(field.options.indexOf(valueAt(context.value, path) as string | number))}
        disabled={locked(field, context)}
        aria-describedby={describedBy(path, field.help, error)}
        onChange={(event) => context.onChange(path, field.options[Number(event.currentTarget.value)])}
      >
        {field.options.map((option, index) => (
          <option key={option} value={String(index)}>
            {option}
          </option>
        ))}
      </select>
      <Notes path={path} help={field.help} error={error} />
    </div>
  );
}

function BooleanInput({ field, path, context }: FieldProps<BooleanField>) {
  const { describedBy } = useIds();
  const error = context.errors.get(pathKey(path)) ?? null;
  return (
    <div class="field field-boolean" data-path={pathKey(path)}>
      <label>
        <input
          type="checkbox"
          checked={Boolean(valueAt(context.value, path))}
          disabled={locked(field, context)}
          aria-describedby={describedBy(path, field.help, error)}
          onChange={(event) => context.onChange(path, event.currentTarget.checked)}
        />
        {field.label}
      </label>
      <Notes path={path} help={field.help} error={error} />
    </div>
  );
}

function TextInput({ field, path, context, placeholder }: FieldProps<TextField> & { placeholder?: string }) {
  const { idOf, describedBy } = useIds();
  const error = context.errors.get(pathKey(path)) ?? null;
  const value = valueAt(context.value, path);
  return (
    <div class="field" data-path={pathKey(path)}>
      <label for={idOf(path)}>{field.label}</label>
      <input
        id={idOf(path)}
        type="text"
        value={typeof value === "string" ? value : ""}
        placeholder={placeholder}
        maxLength={field.maxLength ?? undefined}
        list={field.examples.length ? `${idOf(path)}-examples` : undefined}
        disabled={locked(field, context)}
        aria-describedby={describedBy(path, field.help, error)}
        onInput={(event) => {
          const text = event.currentTarget.value;
          context.onChange(path, text === "" && field.nullable ? null : text);
        }}
      />
      {field.examples.length > 0 && (
        <datalist id={`${idOf(path)}-examples`}>
          {field.examples.map((example) => (
            <option key={example} value={example} />
          ))}
        </datalist>
      )}
      <Notes path={path} help={field.help} error={error} />
    </div>
  );
}

function TupleInput({ field, path, context }: FieldProps<TupleField>) {
  const { describedBy } = useIds();
  const values = (valueAt(context.value, path) as number[] | undefined) ?? [];
  const error =
    context.errors.get(pathKey(path)) ??
    field.items.map((_, i) => context.errors.get(pathKey([...path, i]))).find(Boolean) ??
    null;
  return (
    <fieldset
      class="field field-tuple"
      data-path={pathKey(path)}
      aria-describedby={describedBy(path, field.help, error)}
    >
      <legend>{field.label}</legend>
      <div class="tuple-row">
        {field.items.map((item, i) => (
          <label key={item.name} class="tuple-item">
            <span>{item.label}</span>
            <input
              type="number"
              step="any"
              value={values[i]}
              disabled={locked(field, context)}
              onInput={(event) => {
                const parsed = Number(event.currentTarget.value);
                if (event.currentTarget.value.trim() !== "" && Number.isFinite(parsed))
                  context.onChange([...path, i], parsed);
              }}
            />
          </label>
        ))}
      </div>
      <Notes path={path} help={field.help} error={error} />
    </fieldset>
  );
}

function UnionList({ field, path, context }: FieldProps<UnionListField>) {
  const { idOf } = useIds();
  const items = (valueAt(context.value, path) as Params[] | undefined) ?? [];
  const structureLocked = context.running; // a running job keeps its list: same length, same kinds
  const error = context.errors.get(pathKey(path)) ?? null;
  const noun = field.itemNoun;
  return (
    <fieldset class="field union-list" data-path={pathKey(path)}>
      <legend>
        {field.label}
        {field.live && (
          <span
            class={context.running ? "live-tag active" : "live-tag"}
            title="Some of their settings can change while the job runs"
          >
            partly live
          </span>
        )}
      </legend>
      <Notes path={path} help={field.help} error={error} />
      {items.map((item, index) => {
        const variant = variantOf(field, item);
        const itemPath = [...path, index];
        const itemError = context.errors.get(pathKey(itemPath)) ?? null;
        return (
          <fieldset class="list-item" key={index} data-path={pathKey(itemPath)}>
            <legend>
              {capitalize(noun)} {index + 1}: {String(item.label ?? variant.tag)}
            </legend>
            <button
              type="button"
              class="remove"
              aria-label={`Remove ${noun} ${index + 1}`}
              title={`Remove ${noun} ${index + 1}`}
              disabled={structureLocked || items.length <= field.minItems}
              onClick={() =>
                context.onChange(
                  path,
                  items.filter((_, i) => i !== index),
                )
              }
            >
              ✕
            </button>
            <div class="list-item-head">
              <label for={idOf([...itemPath, field.discriminator])}>Kind</label>
              <select
                id={idOf([...itemPath, field.discriminator])}
                value={variant.tag}
                disabled={structureLocked}
                aria-describedby={`${idOf(itemPath)}-help`}
                onChange={(event) =>
                  context.onChange(itemPath, switchVariant(field, item, event.currentTarget.value))
                }
              >
                {field.variants.map((option) => (
                  <option key={option.tag} value={option.tag}>
                    {option.tag} — {option.title}
                  </option>
                ))}
              </select>
            </div>
            <Notes path={itemPath} help={variant.help} error={itemError} />
            {variant.fields.map((child) =>
              child.kind === "text" ? (
                <TextInput
                  key={child.name}
                  field={child}
                  path={[...itemPath, child.name]}
                  context={context}
                  placeholder={variant.tag}
                />
              ) : (
                <Field key={child.name} field={child} path={[...itemPath, child.name]} context={context} />
              ),
            )}
          </fieldset>
        );
      })}
      <button
        type="button"
        class="add"
        disabled={structureLocked || items.length >= field.maxItems}
        onClick={() => context.onChange(path, [...items, variantDefault(field, field.variants[0])])}
      >
        Add {noun}
      </button>
    </fieldset>
  );
}

function JsonInput({ field, path, context }: FieldProps<JsonField>) {
  const { idOf, describedBy } = useIds();
  const value = valueAt(context.value, path);
  const [draft, setDraft] = useState(JSON.stringify(value, null, 1));
  const [parseError, setParseError] = useState<string | null>(null);
  useEffect(() => setDraft(JSON.stringify(value, null, 1)), [value]);
  const error = parseError ?? context.errors.get(pathKey(path)) ?? null;
  return (
    <div class="field" data-path={pathKey(path)}>
      <label for={idOf(path)}>{field.label} (JSON)</label>
      <textarea
        id={idOf(path)}
        rows={3}
        value={draft}
        disabled={locked(field, context)}
        aria-describedby={describedBy(path, field.help, error)}
        onInput={(event) => setDraft(event.currentTarget.value)}
        onBlur={() => {
          try {
            context.onChange(path, JSON.parse(draft));
            setParseError(null);
          } catch {
            setParseError("This is not valid JSON.");
          }
        }}
      />
      <Notes path={path} help={field.help} error={error} />
    </div>
  );
}
