{#- A contact's engagement score, 0-100 (docs/contracts/marts.md,
    contact_engagement): half from inbound messages in the last 30 days (10 or
    more count fully), 0.3 from the 90-day reply rate (none counts 0), 0.2 from
    recency of the last inbound message (fading to 0 over 90 days). A contact
    who never wrote scores 0: pass days_since_last_inbound null. Halves round
    away from zero on every engine. -#}
{% macro engagement_score(inbound_30d, reply_rate_90d, days_since_last_inbound) -%}
    case
        when {{ days_since_last_inbound }} is null then 0
        -- rounded as numeric, half away from zero on every engine (Postgres rounds a double
        -- half to even, so 32.5 would score 32 there and 33 on DuckDB)
        else round(cast(100 * (
            0.5 * least(1.0, {{ inbound_30d }} / 10.0)
            + 0.3 * coalesce({{ reply_rate_90d }}, 0)
            + 0.2 * greatest(0.0, 1.0 - {{ days_since_last_inbound }} / 90.0)
        ) as numeric(18, 6)))
    end
{%- endmacro %}
