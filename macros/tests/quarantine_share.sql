{#- Fails (one row per table) when the quarantine holds more than max_share of
    the raw table's rows. Applied to each base_ model (its rows with a
    quarantine_reason are the table's quarantine) twice: max_share 0 as a
    warning (anything quarantined), and var quarantine_max_share as an error. -#}
{% test quarantine_share(model, source_relation, max_share) %}

with

raw_rows as (select count(*) as raw_rows from {{ source_relation }}),

quarantined as (select count(*) as quarantined_rows from {{ model }} where quarantine_reason is not null),

shares as (
    select
        quarantined.quarantined_rows,
        raw_rows.raw_rows,
        case
            when raw_rows.raw_rows = 0 then 0
            else 1.0 * quarantined.quarantined_rows / raw_rows.raw_rows
        end as quarantined_share
    from quarantined
    cross join raw_rows
)

select *
from shares
where quarantined_share > {{ max_share }}

{% endtest %}
