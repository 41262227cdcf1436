-- Distribution of every numeric feature by target: mean, median, quartiles, min and max.
{%- set numeric_features = [
    'marketing_contacts_6m_avg', 'marketing_contacts_current_month', 'tenure_days',
    'promo_purchase_share', 'categories_per_visit', 'unpaid_items_quarter', 'service_errors',
    'pages_per_visit', 'revenue_month_before_previous', 'revenue_previous_month',
    'revenue_current_month', 'minutes_previous_month', 'minutes_current_month', 'profit',
] %}

with

features as (
    select * from {{ ref('customer_features') }}
),

long_form as (
    {%- for feature in numeric_features %}
    select
        '{{ feature }}' as feature,
        activity_declined,
        cast({{ feature }} as double) as feature_value
    from features
    {{ 'union all' if not loop.last }}
    {%- endfor %}
)

select
    feature,
    activity_declined,
    count(*) as customers,
    round(avg(feature_value), 3) as mean,
    round(quantile_cont(feature_value, 0.25), 3) as q25,
    round(median(feature_value), 3) as median,
    round(quantile_cont(feature_value, 0.75), 3) as q75,
    min(feature_value) as min_value,
    max(feature_value) as max_value
from long_form
group by feature, activity_declined
order by feature, activity_declined
