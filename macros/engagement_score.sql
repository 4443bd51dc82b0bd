{#- A contact's engagement score, 0-100 (docs/contracts/marts.md,
    contact_engagement): half from inbound messages in the last 30 days (10 or
    more count fully), 0.3 from the 90-day reply rate (none counts 0), 0.2 from
    recency of the last inbound message (fading to 0 over 90 days). A contact
    who never wrote scores 0: pass days_since_last_inbound null. The one home
    of the formula: contact_engagement scores each contact with it, and
    messaging_engagement_daily scores them as of each day, for messaging_snapshots. -#}
{% macro engagement_score(inbound_30d, reply_rate_90d, days_since_last_inbound) -%}
    case
        when {{ days_since_last_inbound }} is null then 0
        else {{ as_score(
            '0.5 * least(1.0, ' ~ inbound_30d ~ ' / 10.0)'
            ~ ' + 0.3 * coalesce(' ~ reply_rate_90d ~ ', 0)'
            ~ ' + 0.2 * greatest(0.0, 1.0 - ' ~ days_since_last_inbound ~ ' / 90.0)'
        ) }}
    end
{%- endmacro %}
