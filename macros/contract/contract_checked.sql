{#- The base model of a raw table, from its contract (raw_contract(), generated from
    docs/contracts/raw_sources.yml): the latest version of each record (greatest
    updated_at, then _loaded_at; append-only tables by _loaded_at) with
    quarantine_reason, the first contract rule it breaks (null when clean), judged in
    the order orchestration/contract.py gives. The stg_ model keeps the clean rows,
    quarantine_rows the rest. An incremental base (the clickstream, the messages and
    their status events) reads only rows loaded after the newest it holds and lists
    its columns, since its _version_rank would be the rank within one batch. It also
    judges again the rows it holds as orphan_fk: a child can land before its parent
    (a status webhook before its message), and a full refresh would find the parent,
    so the row is clean once the parent has landed. The re-judged row keeps its own
    _loaded_at: readers find it through its parent, which is newly loaded. -#}
{% macro contract_checked(source_name, table_name) -%}
{%- set spec = raw_contract()[source_name ~ '.' ~ table_name] -%}
{%- set checks = spec['checks'] -%}
{%- set reasons = checks | map(attribute='reason') | list -%}
{%- set orphan_checks = checks | selectattr('reason', 'equalto', 'orphan_fk') | list %}
{%- if spec['incremental'] %}
{%- do assert_incremental_source_unchanged(source(source_name, table_name), spec['key']) %}
{%- endif %}
with

source as (
    {%- if spec['incremental'] and is_incremental() %}
    select
        {%- for col in spec['columns'] %}
        {{ col }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ source(source_name, table_name) }}
    where _loaded_at > {{ incremental_watermark('_loaded_at') }}
    {%- if orphan_checks %}
    union all
    -- held orphans, judged again: their parent may have landed since
    select
        {%- for col in spec['columns'] %}
        {{ col }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ this }}
    where quarantine_reason = 'orphan_fk'
    {%- endif %}
    {%- else %}
    select * from {{ source(source_name, table_name) }}
    {%- endif %}
),
{%- if 'unknown_currency' in reasons %}

currencies as (select * from {{ ref('currencies') }}),
{%- endif %}
{%- for check in orphan_checks %}

{{ check['columns'][0] }}_parents as (
    select distinct
        tenant_id,
        id
    from {{ source(source_name, check['parent']) }}
    where
        id is not null and trim(id) != ''  -- a blank key identifies nothing
        {%- if spec['incremental'] and is_incremental() %}
        -- only the parents the rows read name: a day's batch, not every parent ever loaded
        and id in (select {{ check['columns'][0] }} from source)
        {%- endif %}
),
{%- endfor %}

latest as (
    {{ dedup_latest('source', ['tenant_id'] + spec['key'], spec['version_order']) | indent(4) }}
),

checked as (
    select
        {%- if spec['incremental'] %}
        {%- for col in spec['columns'] %}
        latest.{{ col }},
        {%- endfor %}
        latest._tied_versions,
        {%- else %}
        latest.*,
        {%- endif %}
        case
            {%- for check in checks %}
            when {{ contract_rule_broken(check, spec['types']) }}
                then '{{ check['reason'] }}'
            {%- endfor %}
        end as quarantine_reason
    from latest
    {%- if 'unknown_currency' in reasons %}
    left join currencies
        on upper(trim(latest.currency)) = currencies.currency_code
    {%- endif %}
    {%- for check in orphan_checks %}
    left join {{ check['columns'][0] }}_parents
        on latest.tenant_id = {{ check['columns'][0] }}_parents.tenant_id
        and latest.{{ check['columns'][0] }} = {{ check['columns'][0] }}_parents.id
    {%- endfor %}
)

select * from checked
{%- endmacro %}


{#- The SQL condition under which a row breaks one contract check (a dict of raw_contract()). -#}
{% macro contract_rule_broken(check, types) -%}
{%- set reason = check['reason'] -%}
{%- set parts = [] -%}
{%- if reason == 'null_key' -%}
    {%- for col in check['columns'] -%}
        {%- do parts.append('latest.' ~ col ~ ' is null') -%}
        {%- if types[col] == 'text' -%}
            {%- do parts.append("trim(cast(latest." ~ col ~ " as " ~ dbt.type_string() ~ ")) = ''") -%}
        {%- endif -%}
    {%- endfor -%}
{%- elif reason == 'conflicting_versions' -%}
    {%- do parts.append('latest._tied_versions > 1') -%}
{%- elif reason == 'unknown_enum' -%}
    {%- do parts.append('lower(trim(latest.' ~ check['columns'][0] ~ ")) not in ('" ~ (check['values'] | join("', '")) ~ "')") -%}
{%- elif reason == 'unknown_currency' -%}
    {%- do parts.append('latest.currency is not null and currencies.currency_code is null') -%}
{%- elif reason in ('negative_quantity', 'negative_amount') -%}
    {%- set exempt = {} -%}
    {%- for pair in check.get('exempt', []) -%}{%- do exempt.update({pair[0]: pair[1]}) -%}{%- endfor -%}
    {%- for col in check['columns'] -%}
        {%- if col in exempt -%}
            {%- do parts.append('(latest.' ~ col ~ ' < 0 and not coalesce(latest.' ~ exempt[col] ~ ', false))') -%}
        {%- else -%}
            {%- do parts.append('latest.' ~ col ~ ' < 0') -%}
        {%- endif -%}
    {%- endfor -%}
{%- elif reason == 'out_of_range' and check.get('columns') -%}
    {%- set col = check['columns'][0] -%}
    {%- if check.get('low') is not none -%}{%- do parts.append('latest.' ~ col ~ ' < ' ~ check['low']) -%}{%- endif -%}
    {%- if check.get('high') is not none -%}{%- do parts.append('latest.' ~ col ~ ' > ' ~ check['high']) -%}{%- endif -%}
{%- elif reason == 'out_of_range' -%}
    {%- do parts.append(out_of_range_dates('latest.', check.get('event_columns', []), check.get('floor_columns', []))) -%}
{%- elif reason == 'end_before_start' -%}
    {%- for pair in check['pairs'] -%}
        {%- do parts.append('latest.' ~ pair[1] ~ ' < latest.' ~ pair[0]) -%}
    {%- endfor -%}
{%- elif reason == 'orphan_fk' -%}
    {%- do parts.append(check['columns'][0] ~ '_parents.id is null') -%}
{%- else -%}
    {{ exceptions.raise_compiler_error("contract_checked: no SQL for reason " ~ reason) }}
{%- endif -%}
{{ parts | join('\n                or ') }}
{%- endmacro %}
